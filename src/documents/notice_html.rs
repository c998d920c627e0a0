//! The acceptance notice (受理通知书) as a printable HTML page: the same
//! content as the PDF, self-contained (inline CSS, the QR code as inline
//! SVG, no script or font from elsewhere), Chinese first with an English
//! toggle (remembered in `localStorage`), and print CSS that hides the
//! toolbar and fits A4.

use tingwu_actors::core::case::{ApplicantKind, CaseKind};

use super::notice::{AcceptanceNotice, NoticeMaterial};
use super::{qr, DocumentError};

/// `s` with `& < > " '` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Both languages of one text, escaped; CSS shows one.
fn both(zh: &str, en: &str) -> String {
    format!(
        "<span class=\"zh\">{}</span><span class=\"en\" lang=\"en\">{}</span>",
        escape(zh),
        escape(en)
    )
}

fn row(zh: &str, en: &str, value: &str) -> String {
    format!("<tr><th>{}</th><td>{value}</td></tr>\n", both(zh, en))
}

fn list(items: &[NoticeMaterial], class: &str) -> String {
    let lis: String = items
        .iter()
        .map(|m| format!("<li>{}</li>", both(&m.name, &m.name_en)))
        .collect();
    format!("<ol class=\"{class}\">{lis}</ol>")
}

const STYLE: &str = r#"
  * { box-sizing: border-box; }
  body { margin: 0; background: #eef1f6; color: #111;
    font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "SimSun", sans-serif; font-size: 15px; }
  .bar { background: #13213f; color: #fff; padding: 10px 16px; display: flex; gap: 10px; justify-content: flex-end; }
  .bar button { background: transparent; color: #fff; border: 1px solid #b8c4e0; border-radius: 6px; padding: 4px 12px; font-size: 14px; cursor: pointer; }
  .sheet { background: #fff; width: 210mm; min-height: 297mm; margin: 16px auto; padding: 18mm 18mm 16mm; position: relative; }
  .hall { font-size: 17px; margin-right: 34mm; }
  .greeting { margin-right: 34mm; line-height: 1.6; }
  h1 { font-size: 28px; text-align: center; margin: 18px 34mm 4px; }
  h1 .zh { letter-spacing: 0.3em; }
  .no { text-align: center; margin-bottom: 14px; }
  .qr { position: absolute; top: 18mm; right: 18mm; width: 30mm; text-align: center; font-size: 11px; }
  .qr svg { width: 30mm; height: 30mm; display: block; }
  table { width: 100%; border-collapse: collapse; margin: 10px 0; }
  th, td { border: 1px solid #444; padding: 6px 8px; text-align: left; vertical-align: top; }
  th { width: 32mm; background: #f4f4f4; font-weight: 600; white-space: nowrap; }
  h2 { font-size: 16px; margin: 16px 0 6px; }
  ol { margin: 4px 0; padding-left: 24px; }
  .owed-by { font-weight: 600; }
  .basis, .query { line-height: 1.6; }
  .sign { text-align: right; margin-top: 28px; line-height: 2; }
  body:not(.lang-en) .en { display: none; }
  body.lang-en .zh { display: none; }
  @page { size: A4; margin: 0; }
  @media print {
    body { background: #fff; }
    .bar { display: none; }
    .sheet { margin: 0; width: auto; min-height: 0; }
  }
"#;

const SCRIPT: &str = r#"
"use strict";
(() => {
  const KEY = "tingwu.notice.lang";
  const button = document.getElementById("lang");
  const apply = (lang) => {
    document.body.classList.toggle("lang-en", lang === "en");
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    button.textContent = lang === "en" ? "中文" : "English";
  };
  let lang = localStorage.getItem(KEY) === "en" ? "en" : "zh";
  apply(lang);
  button.addEventListener("click", () => {
    lang = lang === "en" ? "zh" : "en";
    localStorage.setItem(KEY, lang);
    apply(lang);
  });
  document.getElementById("print").addEventListener("click", () => window.print());
})();
"#;

/// The notice as a complete HTML page, its QR code holding `query_url`.
/// Errors: [`DocumentError::Render`] when the link is too long for a QR
/// code.
pub fn notice_html(n: &AcceptanceNotice, query_url: &str) -> Result<String, DocumentError> {
    let qr = qr::svg(query_url, 120)?;
    let mut rows = String::new();
    rows += &row("办件编号", "Case number", &escape(&n.number));
    rows += &row("事项名称", "Item", &both(&n.item_name, &n.item_name_en));
    rows += &row(
        "承办部门",
        "Department",
        &both(&n.department_name, &n.department_name_en),
    );
    if let (Some(zh), Some(en)) = (&n.window_name, &n.window_name_en) {
        rows += &row("受理窗口", "Window", &both(zh, en));
    }
    let (id_zh, id_en) = match n.applicant_kind {
        ApplicantKind::Person => ("身份证号码", "ID number"),
        ApplicantKind::Organisation => ("统一社会信用代码", "credit code"),
    };
    rows += &row(
        "申请人",
        "Applicant",
        &format!(
            "{}（{}）",
            escape(&n.applicant_name),
            both(
                &format!("{id_zh} {}", n.applicant_id),
                &format!("{id_en} {}", n.applicant_id)
            )
        ),
    );
    if let Some(p) = &n.applicant_phone {
        rows += &row("联系电话", "Phone", &escape(p));
    }
    rows += &row("收件日期", "Received on", &n.received_on.to_string());
    rows += &row("受理日期", "Accepted on", &n.accepted_on.to_string());
    let (kind_zh, kind_en) = match n.kind {
        CaseKind::Immediate => ("即办件", "immediate case"),
        CaseKind::Promise => ("承诺件", "promise case"),
    };
    rows += &row(
        "承诺时限",
        "Promised limit",
        &both(
            &format!("{} 个工作日（{kind_zh}）", n.limit_days),
            &format!("{} working days ({kind_en})", n.limit_days),
        ),
    );
    rows += &row(
        "承诺办结日期",
        "Deadline",
        &match n.deadline {
            Some(d) => format!("<span id=\"deadline\">{d}</span>"),
            None => both(
                "计时暂停（补正或特别程序期间）",
                "clock stopped (correction or special procedure)",
            ),
        },
    );
    rows += &row(
        "收费标准",
        "Fee",
        &if n.fee_fen == 0 {
            both("不收费", "free of charge")
        } else {
            both(
                &format!("{} 元", n.fee_yuan),
                &format!("CNY {}", n.fee_yuan),
            )
        },
    );
    let received = if n.received.is_empty() {
        both("（无）", "(none)")
    } else {
        list(&n.received, "received")
    };
    let owed = if n.owed.is_empty() {
        format!(
            "<p class=\"owed none\">{}</p>",
            both("材料齐全，无需补交。", "Nothing is owed.")
        )
    } else {
        let by = n
            .owed_by
            .map(|d| {
                format!(
                    "<p class=\"owed-by\">{}</p>",
                    both(
                        &format!("请于 {d} 前补交以下材料："),
                        &format!("Please hand in the following by {d}:")
                    )
                )
            })
            .unwrap_or_default();
        format!("{by}{}", list(&n.owed, "owed"))
    };
    let date = both(
        &n.accepted_on.format("%Y年%m月%d日").to_string(),
        &n.accepted_on.format("%-d %B %Y").to_string(),
    );
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>受理通知书 {number} / Notice of Acceptance</title>
<style>{STYLE}</style>
</head>
<body>
<div class="bar"><button id="print" type="button">{print}</button><button id="lang" type="button">English</button></div>
<main class="sheet">
  <div class="qr">{qr}{scan}</div>
  <div class="hall">{hall}</div>
  <h1>{title}</h1>
  <div class="no">{no_label} <strong id="number">{number}</strong></div>
  <p class="greeting">{greeting}</p>
  <table id="facts">
{rows}  </table>
  <h2>{h_received}</h2>
  {received}
  <h2>{h_owed}</h2>
  <div id="owed">{owed}</div>
  <h2>{h_query}</h2>
  <p class="query">{query}<br><a id="query-link" href="{url}">{url}</a></p>
  <h2>{h_basis}</h2>
  <p class="basis">{basis}</p>
  <div class="sign">{hall}<br>{seal}<br>{date}</div>
</main>
<script>{SCRIPT}</script>
</body>
</html>
"#,
        number = escape(&n.number),
        url = escape(query_url),
        print = both("打印", "Print"),
        scan = both("扫码查询进度", "Scan to follow the case"),
        hall = both(&n.hall_name, &n.hall_name_en),
        title = both("受理通知书", "Notice of Acceptance"),
        no_label = both("编号", "No."),
        greeting = both(
            &format!(
                "{}：您（单位）申请办理的“{}”事项，申请材料已收到，经审查符合受理条件，本中心决定予以受理。",
                n.applicant_name, n.item_name
            ),
            &format!(
                "{}: your application for \"{}\" has been received and accepted.",
                n.applicant_name, n.item_name_en
            ),
        ),
        h_received = both("已收材料", "Materials received"),
        h_owed = both("一次性告知：尚需补交的材料", "One-time notice: materials owed"),
        h_query = both("查询方式", "How to follow the case"),
        query = both(&n.query_zh, &n.query_en),
        h_basis = both("法律依据", "Legal basis"),
        basis = both(n.legal_basis_zh, n.legal_basis_en),
        seal = both("（受理专用章）", "(acceptance seal)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            escape(r#"<b>"张&三'</b>"#),
            "&lt;b&gt;&quot;张&amp;三&#39;&lt;/b&gt;"
        );
    }
}
