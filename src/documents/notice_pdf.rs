//! The acceptance notice (受理通知书) as an A4 PDF: the centre and title,
//! the case number with its QR code, the facts of the case (item,
//! department, applicant masked, acceptance, promise and deadline, fee),
//! the materials received and owed (一次性告知), how to query, the legal
//! basis, and the issuing centre with the date. Chinese first, each label
//! with its English. One page; long lists carry on to a second.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use tingwu_actors::config::documents::DocumentsConfig;
use tingwu_actors::core::case::{ApplicantKind, CaseKind};

use super::layout::wrap;
use super::notice::{AcceptanceNotice, NoticeMaterial};
use super::{font::load_font, qr, DocumentError};

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.5;
const SMALL: f32 = 8.5;
/// Width of the label column.
const LABEL_W: f32 = 132.0;
/// The QR code's side, in points.
const QR_SIDE: f32 = 84.0;

/// Draws lines top to bottom, starting a new page when one is full.
struct Writer<'a> {
    doc: &'a mut Document,
    font: Font,
    /// Lines of the page being filled: (x, baseline y, size, text).
    lines: Vec<(f32, f32, f32, String)>,
    /// Filled rectangles of the page (the QR code's modules).
    rects: Vec<Rect>,
    y: f32,
}

impl Writer<'_> {
    fn text(&mut self, x: f32, size: f32, s: &str) {
        self.lines.push((x, self.y + size, size, s.to_string()));
    }

    fn advance(&mut self, by: f32) {
        self.y += by;
        if self.y > PAGE_H - MARGIN {
            self.flush();
            self.y = MARGIN;
        }
    }

    /// `text` wrapped into `width` at `x`, each line on its own row.
    fn para(&mut self, x: f32, width: f32, size: f32, text: &str) {
        for line in wrap(text, size, width) {
            self.text(x, size, &line);
            self.advance(size * 1.5);
        }
    }

    /// A labelled row: the zh label with its en label after it in small
    /// type, the value beside.
    fn row(&mut self, zh: &str, en: &str, value: &str) {
        let top = self.y;
        self.text(MARGIN, BODY, zh);
        let en_x = MARGIN + super::layout::width(zh, BODY) + 4.0;
        self.lines
            .push((en_x, self.y + BODY, SMALL - 1.0, en.to_string()));
        let x = MARGIN + LABEL_W;
        self.para(x, PAGE_W - MARGIN - x, BODY, value);
        if self.y < top + BODY * 1.5 {
            self.y = top + BODY * 1.5;
        }
        self.advance(3.0);
    }

    fn heading(&mut self, zh: &str, en: &str) {
        self.advance(6.0);
        self.text(MARGIN, 12.0, &format!("{zh}  {en}"));
        self.advance(12.0 * 1.8);
    }

    fn flush(&mut self) {
        let mut page = self
            .doc
            .start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).unwrap_or_default());
        let mut surface = page.surface();
        if !self.rects.is_empty() {
            let mut pb = PathBuilder::new();
            for r in self.rects.drain(..) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                surface.draw_path(&path);
            }
        }
        for (x, y, size, s) in self.lines.drain(..) {
            surface.draw_text(
                Point::from_xy(x, y),
                self.font.clone(),
                size,
                &s,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
}

fn names_zh(list: &[NoticeMaterial]) -> String {
    list.iter()
        .enumerate()
        .map(|(i, m)| format!("{}. {}", i + 1, m.name))
        .collect::<Vec<_>>()
        .join("  ")
}

fn names_en(list: &[NoticeMaterial]) -> String {
    list.iter()
        .map(|m| m.name_en.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The notice as PDF bytes, its QR code holding `query_url`, in the font
/// of `settings`. Errors: [`DocumentError::FontMissing`] /
/// [`DocumentError::FontUnusable`] for the font, [`DocumentError::Render`]
/// if the writer fails.
pub fn notice_pdf(
    n: &AcceptanceNotice,
    query_url: &str,
    settings: &DocumentsConfig,
) -> Result<Vec<u8>, DocumentError> {
    let font = load_font(settings)?;
    let mut doc = Document::new_with(SerializeSettings::default());
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(format!("受理通知书 {}", n.number))
            .language("zh-CN".into())
            .creator("Tingwu (厅务)".into()),
    );
    let mut w = Writer {
        doc: &mut doc,
        font,
        lines: Vec::new(),
        rects: Vec::new(),
        y: MARGIN,
    };

    // The QR code, top right, with the number under it.
    let (modules, dark) = qr::matrix(query_url)?;
    let cell = QR_SIDE / modules as f32;
    let (qx, qy) = (PAGE_W - MARGIN - QR_SIDE, MARGIN);
    for (i, d) in dark.iter().enumerate() {
        if *d {
            let (col, row) = ((i % modules) as f32, (i / modules) as f32);
            if let Some(r) = Rect::from_xywh(qx + col * cell, qy + row * cell, cell, cell) {
                w.rects.push(r);
            }
        }
    }
    w.lines.push((
        qx,
        qy + QR_SIDE + SMALL + 4.0,
        SMALL - 1.0,
        "扫码查询 Scan to follow".into(),
    ));

    // Centre and title.
    let text_w = PAGE_W - 2.0 * MARGIN - QR_SIDE - 12.0;
    w.para(MARGIN, text_w, 13.0, &n.hall_name);
    w.para(MARGIN, text_w, SMALL, &n.hall_name_en);
    w.advance(6.0);
    w.text(MARGIN, 24.0, "受理通知书");
    w.advance(24.0 * 1.4);
    w.text(MARGIN, 11.0, "Notice of Acceptance");
    w.advance(11.0 * 1.6);
    w.para(MARGIN, text_w, BODY, &format!("编号 No. {}", n.number));
    if w.y < qy + QR_SIDE + 18.0 {
        w.y = qy + QR_SIDE + 18.0;
    }
    w.advance(6.0);

    let applicant = match n.applicant_kind {
        ApplicantKind::Person => format!("{}（身份证号码 {}）", n.applicant_name, n.applicant_id),
        ApplicantKind::Organisation => format!(
            "{}（统一社会信用代码 {}）",
            n.applicant_name, n.applicant_id
        ),
    };
    let greeting = format!(
        "{}：您（单位）申请办理的“{}”事项，申请材料已收到，经审查符合受理条件，本中心决定予以受理。",
        n.applicant_name, n.item_name
    );
    w.para(MARGIN, PAGE_W - 2.0 * MARGIN, BODY, &greeting);
    w.para(
        MARGIN,
        PAGE_W - 2.0 * MARGIN,
        SMALL,
        &format!(
            "Your application for \"{}\" has been received and accepted.",
            n.item_name_en
        ),
    );
    w.advance(6.0);

    w.row("办件编号", "Case number", &n.number);
    w.row(
        "事项名称",
        "Item",
        &format!("{} / {}", n.item_name, n.item_name_en),
    );
    w.row(
        "承办部门",
        "Department",
        &format!("{} / {}", n.department_name, n.department_name_en),
    );
    if let (Some(zh), Some(en)) = (&n.window_name, &n.window_name_en) {
        w.row("受理窗口", "Window", &format!("{zh} / {en}"));
    }
    w.row("申请人", "Applicant", &applicant);
    if let Some(phone) = &n.applicant_phone {
        w.row("联系电话", "Phone", phone);
    }
    w.row("收件日期", "Received on", &n.received_on.to_string());
    w.row("受理日期", "Accepted on", &n.accepted_on.to_string());
    let kind = match n.kind {
        CaseKind::Immediate => "即办件 / immediate case",
        CaseKind::Promise => "承诺件 / promise case",
    };
    w.row(
        "承诺时限",
        "Promised limit",
        &format!(
            "{} 个工作日 / {} working days（{kind}）",
            n.limit_days, n.limit_days
        ),
    );
    w.row(
        "承诺办结日期",
        "Deadline",
        &match n.deadline {
            Some(d) => d.to_string(),
            None => {
                "计时暂停（补正或特别程序期间）/ clock stopped (correction or special procedure)"
                    .into()
            }
        },
    );
    w.row(
        "收费标准",
        "Fee",
        &if n.fee_fen == 0 {
            "不收费 / free of charge".to_string()
        } else {
            format!("{} 元 / CNY {}", n.fee_yuan, n.fee_yuan)
        },
    );

    w.heading("已收材料", "Materials received");
    if n.received.is_empty() {
        w.para(MARGIN, PAGE_W - 2.0 * MARGIN, BODY, "（无 / none）");
    } else {
        w.para(MARGIN, PAGE_W - 2.0 * MARGIN, BODY, &names_zh(&n.received));
        w.para(MARGIN, PAGE_W - 2.0 * MARGIN, SMALL, &names_en(&n.received));
    }

    w.heading(
        "一次性告知：尚需补交的材料",
        "One-time notice: materials owed",
    );
    if n.owed.is_empty() {
        w.para(
            MARGIN,
            PAGE_W - 2.0 * MARGIN,
            BODY,
            "材料齐全，无需补交。/ Nothing is owed.",
        );
    } else {
        let by = n
            .owed_by
            .map(|d| format!("请于 {d} 前补交 / hand in by {d}："))
            .unwrap_or_default();
        w.para(
            MARGIN,
            PAGE_W - 2.0 * MARGIN,
            BODY,
            &format!("{by}{}", names_zh(&n.owed)),
        );
        w.para(MARGIN, PAGE_W - 2.0 * MARGIN, SMALL, &names_en(&n.owed));
    }

    w.heading("查询方式", "How to follow the case");
    w.para(MARGIN, PAGE_W - 2.0 * MARGIN, BODY, &n.query_zh);
    w.para(MARGIN, PAGE_W - 2.0 * MARGIN, SMALL, &n.query_en);

    w.heading("法律依据", "Legal basis");
    w.para(MARGIN, PAGE_W - 2.0 * MARGIN, BODY, n.legal_basis_zh);
    w.para(MARGIN, PAGE_W - 2.0 * MARGIN, SMALL, n.legal_basis_en);

    w.advance(18.0);
    let sign = format!("{}（受理专用章）", n.hall_name);
    let sign_x = PAGE_W - MARGIN - super::layout::width(&sign, BODY);
    w.text(sign_x.max(MARGIN), BODY, &sign);
    w.advance(BODY * 1.6);
    let date = n.accepted_on.format("%Y年%m月%d日").to_string();
    let date_x = PAGE_W - MARGIN - super::layout::width(&date, BODY);
    w.text(date_x.max(MARGIN), BODY, &date);
    w.advance(BODY * 1.6);
    w.flush();
    doc.finish()
        .map_err(|e| DocumentError::Render(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;
    use tingwu_actors::config::documents::DEFAULT_FONT;

    use super::*;
    use crate::documents::notice::LEGAL_BASIS;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn m(name: &str, en: &str) -> NoticeMaterial {
        NoticeMaterial {
            name: name.into(),
            name_en: en.into(),
        }
    }

    fn notice() -> AcceptanceNotice {
        let number = "demo-20261130-000001".to_string();
        AcceptanceNotice {
            hall_name: "示例市政务服务中心".into(),
            hall_name_en: "Example City Government Service Center".into(),
            query_path: format!("/case?n={number}"),
            item_name: "食品经营许可".into(),
            item_name_en: "Food business licence".into(),
            department_name: "市市场监督管理局".into(),
            department_name_en: "Market Regulation".into(),
            window_name: Some("5号窗口".into()),
            window_name_en: Some("Window 5".into()),
            kind: CaseKind::Promise,
            applicant_kind: ApplicantKind::Person,
            applicant_name: "欧**娜".into(),
            applicant_id: "110***********002X".into(),
            applicant_phone: Some("139****5678".into()),
            received_on: d("2026-11-30"),
            accepted_on: d("2026-11-30"),
            limit_days: 10,
            deadline: Some(d("2026-12-14")),
            received: vec![
                m("食品经营许可申请书", "Application form"),
                m("营业执照", ""),
            ],
            owed: vec![m("经营场所平面图", "Floor plan")],
            owed_by: Some(d("2026-12-07")),
            fee_fen: 1250,
            fee_yuan: "12.50".into(),
            status_zh: "办理中",
            status_en: "in progress",
            query_zh: format!("访问 /case，输入办件编号 {number} 和手机号后四位即可查询。"),
            query_en: format!("Open /case and enter {number}."),
            number,
            legal_basis_zh: LEGAL_BASIS.0,
            legal_basis_en: LEGAL_BASIS.1,
        }
    }

    /// Renders a notice with Debian's Noto Sans CJK and reads it back with
    /// lopdf: one A4 page, the font embedded as a subset (the PDF is small
    /// although the collection is ~20 MB), a ToUnicode map, and the text —
    /// number, item, owed material, fee — extracted from the page.
    #[test]
    fn a_notice_pdf_embeds_a_cjk_subset_and_reads_back() {
        if !Path::new(DEFAULT_FONT).exists() {
            // CI installs fonts-noto-cjk (scripts/test-all); it must be there.
            assert!(
                std::env::var_os("CI").is_none(),
                "{DEFAULT_FONT} missing: apt-get install fonts-noto-cjk"
            );
            eprintln!("skipped: {DEFAULT_FONT} missing (apt-get install fonts-noto-cjk)");
            return;
        }
        let pdf = notice_pdf(
            &notice(),
            "http://127.0.0.1:8080/case?n=demo-20261130-000001",
            &DocumentsConfig::default(),
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.len() < 200_000,
            "{} bytes: the font is not subset",
            pdf.len()
        );
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let pages = doc.get_pages();
        assert_eq!(pages.len(), 1);
        let page = doc.get_dictionary(pages[&1]).unwrap();
        let media: Vec<f32> = page
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        assert!((media[2] - PAGE_W).abs() < 1.0 && (media[3] - PAGE_H).abs() < 1.0);
        let fonts: Vec<&lopdf::Dictionary> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|dict| dict.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"Font"))
            .collect();
        assert!(
            fonts.iter().any(|f| f.has(b"ToUnicode")),
            "no ToUnicode map"
        );
        let descriptor = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .find(|dict| {
                dict.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor")
            })
            .expect("a font descriptor");
        let name = descriptor.get(b"FontName").unwrap().as_name().unwrap();
        // A subset's name carries a six-letter tag: ABCDEF+NotoSansCJKsc-Regular.
        assert_eq!(
            name.get(6),
            Some(&b'+'),
            "{}",
            String::from_utf8_lossy(name)
        );
        assert!(
            [&b"FontFile2"[..], b"FontFile3"]
                .iter()
                .any(|k| descriptor.has(k)),
            "the font is not embedded"
        );
        let text = doc.extract_text(&[1]).unwrap();
        for want in [
            "demo-20261130-000001",
            "食品经营许可",
            "经营场所平面图",
            "12.50",
            "2026-12-14",
        ] {
            assert!(text.contains(want), "{want} missing from {text}");
        }
    }
}
