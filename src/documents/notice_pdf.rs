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
/// Left and right margins.
const MARGIN: f32 = 56.0;
/// Top and bottom margins.
const MARGIN_V: f32 = 48.0;
/// Line height as a multiple of the type size.
const LEADING: f32 = 1.4;
const BODY: f32 = 10.5;
const SMALL: f32 = 8.5;
/// Width of the label column.
const LABEL_W: f32 = 132.0;
/// The QR code's side, in points.
const QR_SIDE: f32 = 84.0;

/// The lowest a line's baseline may sit on a page.
const BOTTOM: f32 = PAGE_H - MARGIN_V;

/// What one page carries, in points from its top left corner.
#[derive(Debug, Default)]
struct PageContent {
    /// Lines: (x, baseline y, size, text).
    lines: Vec<(f32, f32, f32, String)>,
    /// Filled rectangles (the QR code's modules).
    rects: Vec<Rect>,
}

impl PageContent {
    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.rects.is_empty()
    }
}

/// Lays lines out top to bottom. A page is started only when a line that
/// does not fit is about to be placed, so moving down past the bottom
/// after the last line never adds an empty page.
struct Writer {
    /// Pages already full.
    done: Vec<PageContent>,
    /// The page being filled.
    page: PageContent,
    y: f32,
}

impl Writer {
    fn new() -> Self {
        Writer {
            done: Vec::new(),
            page: PageContent::default(),
            y: MARGIN_V,
        }
    }

    /// Starts a new page if a line `height` points high no longer fits
    /// on this one (and this one has something on it).
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM && !self.page.is_empty() {
            self.done.push(std::mem::take(&mut self.page));
            self.y = MARGIN_V;
        }
    }

    fn text(&mut self, x: f32, size: f32, s: &str) {
        self.room(size);
        self.page
            .lines
            .push((x, self.y + size, size, s.to_string()));
    }

    fn advance(&mut self, by: f32) {
        self.y += by;
    }

    /// `text` wrapped into `width` at `x`, each line on its own row.
    fn para(&mut self, x: f32, width: f32, size: f32, text: &str) {
        for line in wrap(text, size, width) {
            self.text(x, size, &line);
            self.advance(size * LEADING);
        }
    }

    /// A labelled row: the zh label with its en label after it in small
    /// type, the value beside.
    fn row(&mut self, zh: &str, en: &str, value: &str) {
        self.room(BODY * LEADING);
        let top = self.y;
        let pages = self.done.len();
        self.text(MARGIN, BODY, zh);
        let en_x = MARGIN + super::layout::width(zh, BODY) + 4.0;
        self.page
            .lines
            .push((en_x, self.y + BODY, SMALL - 1.0, en.to_string()));
        let x = MARGIN + LABEL_W;
        self.para(x, PAGE_W - MARGIN - x, BODY, value);
        if pages == self.done.len() && self.y < top + BODY * LEADING {
            self.y = top + BODY * LEADING;
        }
        self.advance(2.0);
    }

    fn heading(&mut self, zh: &str, en: &str) {
        self.advance(6.0);
        self.text(MARGIN, 12.0, &format!("{zh}  {en}"));
        self.advance(12.0 * 1.6);
    }

    /// Every page with something on it, in order.
    fn finish(mut self) -> Vec<PageContent> {
        if !self.page.is_empty() {
            self.done.push(self.page);
        }
        self.done
    }
}

/// Draws `pages` into `doc` in `font`.
fn draw(doc: &mut Document, font: &Font, pages: Vec<PageContent>) {
    for content in pages {
        let mut page =
            doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).unwrap_or_default());
        let mut surface = page.surface();
        if !content.rects.is_empty() {
            let mut pb = PathBuilder::new();
            for r in content.rects {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                surface.draw_path(&path);
            }
        }
        for (x, y, size, s) in content.lines {
            surface.draw_text(
                Point::from_xy(x, y),
                font.clone(),
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
    let pages = lay_out(n, query_url)?;
    let mut doc = Document::new_with(SerializeSettings::default());
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(format!("受理通知书 {}", n.number))
            .language("zh-CN".into())
            .creator("Tingwu (厅务)".into()),
    );
    draw(&mut doc, &font, pages);
    doc.finish()
        .map_err(|e| DocumentError::Render(format!("{e:?}")))
}

/// The notice laid out on A4 pages (no font needed: widths are estimated
/// by `layout`). Errors: [`DocumentError`] if the QR code cannot hold
/// `query_url`.
fn lay_out(n: &AcceptanceNotice, query_url: &str) -> Result<Vec<PageContent>, DocumentError> {
    let mut w = Writer::new();

    // The QR code, top right, with the number under it.
    let (modules, dark) = qr::matrix(query_url)?;
    let cell = QR_SIDE / modules as f32;
    let (qx, qy) = (PAGE_W - MARGIN - QR_SIDE, MARGIN_V);
    for (i, d) in dark.iter().enumerate() {
        if *d {
            let (col, row) = ((i % modules) as f32, (i / modules) as f32);
            if let Some(r) = Rect::from_xywh(qx + col * cell, qy + row * cell, cell, cell) {
                w.page.rects.push(r);
            }
        }
    }
    w.page.lines.push((
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

    w.advance(14.0);
    let sign = format!("{}（受理专用章）", n.hall_name);
    let sign_x = PAGE_W - MARGIN - super::layout::width(&sign, BODY);
    w.text(sign_x.max(MARGIN), BODY, &sign);
    w.advance(BODY * 1.6);
    let date = n.accepted_on.format("%Y年%m月%d日").to_string();
    let date_x = PAGE_W - MARGIN - super::layout::width(&date, BODY);
    w.text(date_x.max(MARGIN), BODY, &date);
    Ok(w.finish())
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
            // As `app::case_notice` words it.
            query_zh: format!(
                "扫描二维码或访问本中心网站“办件查询”（/case），输入办件编号 {number} 和手机号后四位即可查询办理进度。"
            ),
            query_en: format!(
                "Scan the QR code or open the centre's case query page (/case) and enter the case number {number} and the last four digits of your phone to follow the case."
            ),
            number,
            legal_basis_zh: LEGAL_BASIS.0,
            legal_basis_en: LEGAL_BASIS.1,
        }
    }

    /// The text of every line of `page`, top to bottom.
    fn texts(page: &PageContent) -> Vec<&str> {
        page.lines.iter().map(|l| l.3.as_str()).collect()
    }

    /// A normal notice fits on one page, ending with the issuing date.
    #[test]
    fn a_normal_notice_is_one_page() {
        let pages = lay_out(&notice(), "http://127.0.0.1:8080/case?n=x").unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(texts(&pages[0]).last(), Some(&"2026年11月30日"));
        assert!(!pages[0].rects.is_empty(), "no QR code");
        for (_, y, size, _) in &pages[0].lines {
            assert!(
                *y <= BOTTOM + 0.01 && *y - size >= MARGIN_V - 0.01,
                "{y} off the page"
            );
        }
    }

    /// However long the list of owed materials, no page is blank (the
    /// space after the last line once started an empty second page), no
    /// line passes the bottom margin, nothing is lost and the date comes
    /// last.
    #[test]
    fn long_notices_carry_on_without_blank_pages() {
        let mut n = notice();
        let mut saw_two = false;
        for k in 0..60 {
            n.owed = (0..k)
                .map(|i| m(&format!("补充材料第{i}项（原件及复印件）"), "Supplement"))
                .collect();
            let pages = lay_out(&n, "http://127.0.0.1:8080/case?n=x").unwrap();
            assert!(
                pages.iter().all(|p| !p.lines.is_empty()),
                "blank page at {k}"
            );
            for p in &pages {
                for (_, y, _, s) in &p.lines {
                    assert!(*y <= BOTTOM + 0.01, "{s} at {y} passes the bottom at {k}");
                }
            }
            let last = pages.last().unwrap();
            assert_eq!(texts(last).last(), Some(&"2026年11月30日"), "at {k}");
            let all: String = pages
                .iter()
                .flat_map(texts)
                .flat_map(|l| l.chars())
                .filter(|c| *c != ' ')
                .collect();
            if k > 0 {
                assert!(
                    all.contains(&format!("{}.补充材料第{}项", k, k - 1)),
                    "at {k}"
                );
            }
            saw_two |= pages.len() == 2;
        }
        assert!(saw_two, "the lists never reached a second page");
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
