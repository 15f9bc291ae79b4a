//! Writing the laid-out pages as PDF with `pdf-writer`: the page tree and content streams,
//! font subsets as CID-keyed TrueType fonts with `ToUnicode` maps (so text extracts), images,
//! link annotations, the outline and the document information.
//!
//! Object numbers, font names and subset tags are derived from the content only, so the same
//! request always gives the same bytes.
//!
//! The writer's whole input is a [`Composed`] document (positioned glyph runs, rules,
//! images, link areas, outline entries) and the document [`Info`]; it lays nothing out. A
//! krilla writer takes the same input.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use flate2::Compression;
use pdf_writer::types::Predictor;
use pdf_writer::types::{
    ActionType, AnnotationType, CidFontType, FontFlags, PageMode, SystemInfo, UnicodeCmap,
};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use super::flow::{Composed, Element, OutlineEntry, Target};
use super::images::{jpeg_components, plain_png};
use crate::layout::{FontId, face};
use crate::model::{Article, Collection, Image, ImageFormat, Language};
use crate::typography::{FIXED_DATE, join_names_in};

/// The document information dictionary.
pub(super) struct Info {
    title: String,
    author: String,
    subject: String,
    language: Language,
    created: Option<DateTime<Utc>>,
    modified: Option<DateTime<Utc>>,
}

impl Info {
    pub(super) fn for_article(article: &Article) -> Self {
        let names: Vec<&str> = article
            .contributors
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        Info {
            title: article.headline.clone(),
            author: join_names_in(&article.language, &names),
            subject: article.summary.clone(),
            language: article.language.clone(),
            created: article.published_at,
            modified: article.updated_at.or(article.published_at),
        }
    }

    pub(super) fn for_collection(collection: &Collection) -> Self {
        Info {
            title: collection.title.clone(),
            author: collection.publisher.clone(),
            subject: collection.subtitle.clone(),
            language: collection.language.clone(),
            created: collection.date,
            modified: collection.date,
        }
    }
}

/// A PDF date, or the fixed date when the request has none, never the wall clock.
fn pdf_date(time: Option<&DateTime<Utc>>) -> Date {
    let t = time.unwrap_or(&FIXED_DATE);
    Date::new(u16::try_from(t.year()).unwrap_or(2000))
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Deflates a stream. Level 3 keeps nearly all of level 6's saving on fonts and content at
/// half its cost, and the compressor's state (some hundreds of kilobytes) is made once per
/// thread rather than once per stream.
fn deflate(data: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(Compression::new(3), true));
    }
    COMPRESSOR.with(|compressor| {
        let mut compressor = compressor.borrow_mut();
        compressor.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let consumed = compressor.total_in() as usize;
            let status = compressor.compress_vec(
                &data[consumed.min(data.len())..],
                &mut out,
                flate2::FlushCompress::Finish,
            );
            match status {
                Ok(flate2::Status::StreamEnd) | Err(_) => break,
                Ok(_) => out.reserve(out.capacity().max(1024)),
            }
        }
        out
    })
}

/// Hands out object numbers in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// A font as used in the document.
struct UsedFont {
    id: FontId,
    /// Original glyph id → the text it stands for.
    glyphs: BTreeMap<u16, String>,
    /// The subset embedded for it, once made.
    program: Option<FontProgram>,
}

/// Writes the document.
pub(super) fn write(
    document: &Composed<'_>,
    info: &Info,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    let options = document.options;
    let (page_width, page_height) = (options.page_width, options.page_height);

    // Which glyphs of which fonts the document uses.
    let mut used: BTreeMap<FontId, UsedFont> = BTreeMap::new();
    let all_elements = document
        .pages
        .iter()
        .flat_map(|page| page.elements.iter().chain(&page.furniture));
    for element in all_elements {
        if let Element::Line { line, .. } = element {
            for run in &line.runs {
                let font = used.entry(run.font).or_insert_with(|| UsedFont {
                    id: run.font,
                    glyphs: BTreeMap::new(),
                    program: None,
                });
                // Glyph 0 (`.notdef`, the empty box) is never drawn: a missing character is
                // reported as a warning instead.
                for glyph in run.glyphs.iter().filter(|g| g.glyph_id != 0) {
                    let text = font.glyphs.entry(glyph.glyph_id).or_default();
                    if text.is_empty() && !glyph.text.is_empty() {
                        text.push_str(&glyph.text);
                    }
                }
            }
        }
    }
    for font in used.values_mut() {
        font.program = Some(font_program(font.id, &font.glyphs)?);
    }

    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let catalog_ref = refs.next();
    let tree_ref = refs.next();
    let info_ref = refs.next();
    let page_refs: Vec<Ref> = document.pages.iter().map(|_| refs.next()).collect();

    // Fonts.
    let mut font_names: BTreeMap<FontId, (String, Ref)> = BTreeMap::new();
    for (n, font) in used.values().enumerate() {
        let Some(program) = &font.program else {
            continue;
        };
        let name = format!("F{n}");
        let type0 = write_font(&mut pdf, &mut refs, font.id, program);
        font_names.insert(font.id, (name, type0));
    }

    // Images.
    let mut image_refs: Vec<Option<Ref>> = Vec::with_capacity(document.images.len());
    for image in &document.images {
        match write_image(&mut pdf, &mut refs, image) {
            Ok(r) => image_refs.push(Some(r)),
            Err(why) => {
                warnings.push(format!("an image could not be embedded: {why}"));
                image_refs.push(None);
            }
        }
    }

    // Pages.
    let mut id_source = info.title.as_bytes().to_vec();
    for (index, page) in document.pages.iter().enumerate() {
        let mut content = Content::new();
        for element in page.elements.iter().chain(&page.furniture) {
            match element {
                Element::Line { x, baseline, line } => {
                    for run in &line.runs {
                        let Some((name, _)) = font_names.get(&run.font) else {
                            continue;
                        };
                        let Some(font) = used.get(&run.font) else {
                            continue;
                        };
                        write_run(&mut content, name, font, run, *x, page_height - baseline);
                    }
                }
                Element::Rule {
                    x,
                    y,
                    width,
                    thickness,
                } => {
                    content.set_fill_gray(0.0);
                    content.rect(*x, page_height - y - thickness, *width, *thickness);
                    content.fill_nonzero();
                }
                Element::Image {
                    index,
                    x,
                    y,
                    width,
                    height,
                } => {
                    if image_refs.get(*index).copied().flatten().is_some() {
                        content.save_state();
                        content.transform([
                            *width,
                            0.0,
                            0.0,
                            *height,
                            *x,
                            page_height - y - height,
                        ]);
                        content.x_object(Name(format!("Im{index}").as_bytes()));
                        content.restore_state();
                    }
                }
            }
        }
        let stream = deflate(&content.finish());
        id_source.extend_from_slice(&stream);
        let content_ref = refs.next();
        pdf.stream(content_ref, &stream).filter(Filter::FlateDecode);

        let annotation_refs: Vec<Ref> = page.links.iter().map(|_| refs.next()).collect();
        for (link, annotation_ref) in page.links.iter().zip(&annotation_refs) {
            let [x0, top, x1, bottom] = link.rect;
            let mut annotation = pdf.annotation(*annotation_ref);
            annotation
                .subtype(AnnotationType::Link)
                .rect(Rect::new(x0, page_height - bottom, x1, page_height - top))
                // The one line segment this annotation covers, as readers that follow
                // links across lines expect it (PDF 1.7, 12.5.6.5).
                .quad_points([
                    x0,
                    page_height - bottom,
                    x1,
                    page_height - bottom,
                    x1,
                    page_height - top,
                    x0,
                    page_height - top,
                ])
                .border(0.0, 0.0, 0.0, None);
            match &link.target {
                Target::Uri(url) => {
                    annotation
                        .action()
                        .action_type(ActionType::Uri)
                        .uri(Str(url.as_bytes()));
                }
                Target::Internal { page, y } => {
                    if let Some(target) = page_refs.get(*page) {
                        annotation
                            .action()
                            .action_type(ActionType::GoTo)
                            .destination()
                            .page(*target)
                            .xyz(options.margin, page_height - y + options.font_size, None);
                    }
                }
            }
        }

        let mut pdf_page = pdf.page(page_refs[index]);
        pdf_page
            .parent(tree_ref)
            .media_box(Rect::new(0.0, 0.0, page_width, page_height))
            .contents(content_ref);
        if !annotation_refs.is_empty() {
            pdf_page.annotations(annotation_refs);
        }
        let mut resources = pdf_page.resources();
        if !font_names.is_empty() {
            let mut fonts = resources.fonts();
            for (name, type0) in font_names.values() {
                fonts.pair(Name(name.as_bytes()), *type0);
            }
            fonts.finish();
        }
        let images: Vec<(usize, Ref)> = page
            .elements
            .iter()
            .filter_map(|e| match e {
                Element::Image { index, .. } => image_refs
                    .get(*index)
                    .copied()
                    .flatten()
                    .map(|r| (*index, r)),
                _ => None,
            })
            .collect();
        if !images.is_empty() {
            let mut x_objects = resources.x_objects();
            for (index, image) in images {
                x_objects.pair(Name(format!("Im{index}").as_bytes()), image);
            }
            x_objects.finish();
        }
        resources.finish();
        pdf_page.finish();
    }
    pdf.pages(tree_ref)
        .kids(page_refs.iter().copied())
        .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));

    // The outline.
    let outline_ref = if document.outline.is_empty() {
        None
    } else {
        let root = refs.next();
        let (first, last, count) = write_outline(
            &mut pdf,
            &mut refs,
            &document.outline,
            root,
            &page_refs,
            page_height,
            options.margin,
        );
        pdf.outline(root).first(first).last(last).count(count);
        Some(root)
    };

    // Document information and catalog.
    let producer = concat!("Broadsheet ", env!("CARGO_PKG_VERSION"));
    let mut document_info = pdf.document_info(info_ref);
    document_info
        .title(TextStr(&info.title))
        .creator(TextStr("Broadsheet"))
        .producer(TextStr(producer))
        .creation_date(pdf_date(info.created.as_ref()))
        .modified_date(pdf_date(info.modified.as_ref()));
    if !info.author.is_empty() {
        document_info.author(TextStr(&info.author));
    }
    if !info.subject.is_empty() {
        document_info.subject(TextStr(&info.subject));
    }
    document_info.finish();
    let mut catalog = pdf.catalog(catalog_ref);
    catalog.pages(tree_ref).lang(TextStr(info.language.tag()));
    catalog.viewer_preferences().display_doc_title(true);
    if let Some(outline) = outline_ref {
        catalog.outlines(outline).page_mode(PageMode::UseOutlines);
    }
    catalog.finish();

    // The file identifier the trailer wants, from the content rather than the clock.
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &id_source);
    pdf.set_file_id((id.as_bytes().to_vec(), id.as_bytes().to_vec()));
    Ok(pdf.finish())
}

/// Writes one run of glyphs as positioned text.
fn write_run(
    content: &mut Content,
    name: &str,
    font: &UsedFont,
    run: &crate::layout::GlyphRun,
    x: f32,
    baseline: f32,
) {
    let face = face(font.id);
    let upem = f32::from(face.units_per_em() as u16);
    let mut glyphs = run.glyphs.iter().peekable();
    while let Some(first) = glyphs.peek().copied() {
        // Glyphs raised or lowered (marks) get a text matrix of their own.
        let y = first.y;
        content.begin_text();
        content.set_font(Name(name.as_bytes()), run.size);
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x + first.x, baseline + y]);
        let mut positioned = content.show_positioned();
        let mut items = positioned.items();
        let mut pen = first.x;
        let mut pending: Vec<u8> = Vec::new();
        while let Some(glyph) = glyphs.peek().copied() {
            if (glyph.y - y).abs() > 0.001 {
                break;
            }
            glyphs.next();
            if glyph.glyph_id == 0 {
                continue;
            }
            let gap = glyph.x - pen;
            if gap.abs() > 0.001 {
                if !pending.is_empty() {
                    items.show(Str(&pending));
                    pending.clear();
                }
                // A tenth of a thousandth of an em is far below what any device shows.
                items.adjust((-gap * 10_000.0 / run.size).round() / 10.0);
            }
            let cid = font
                .program
                .as_ref()
                .and_then(|p| p.remapper.get(glyph.glyph_id))
                .unwrap_or(0);
            pending.extend_from_slice(&cid.to_be_bytes());
            let advance = face
                .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(glyph.glyph_id))
                .map_or(0.0, |a| f32::from(a) / upem * run.size);
            pen = glyph.x + advance;
        }
        if !pending.is_empty() {
            items.show(Str(&pending));
        }
        items.finish();
        positioned.finish();
        content.end_text();
    }
}

/// A font subset ready to embed: compressed program, widths and `ToUnicode` map.
struct FontProgram {
    remapper: GlyphRemapper,
    font_file: Vec<u8>,
    length1: usize,
    widths: Vec<f32>,
    to_unicode: Vec<u8>,
    tag: String,
}

/// Makes the subset program for a face and the glyphs a document uses.
///
/// A subset shared by all documents (made and compressed once per face, covering Latin,
/// Greek and Cyrillic) was tried and dropped: it took the seed article's PDF from 57 to
/// 171 KB, since every file then carried some six hundred glyphs per face.
fn font_program(id: FontId, glyphs: &BTreeMap<u16, String>) -> Result<FontProgram, String> {
    let face = face(id);
    let gids: Vec<u16> = glyphs.keys().copied().collect();
    let remapper = GlyphRemapper::new_from_glyphs_sorted(&gids);
    let subset = subsetter::subset(id.data(), id.face_index(), &remapper).map_err(|e| {
        format!(
            "the font {} could not be subset: {e:?}",
            id.postscript_name()
        )
    })?;
    // A subset tag from the glyph set, so the same glyphs give the same name.
    let mut hash: u32 = 2_166_136_261;
    for gid in glyphs.keys() {
        for byte in gid.to_be_bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(16_777_619);
        }
    }
    let tag: String = (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect();
    let upem = f32::from(face.units_per_em() as u16);
    let mut widths = vec![0.0; usize::from(remapper.num_gids())];
    for &old in glyphs.keys() {
        if let Some(new) = remapper.get(old) {
            widths[usize::from(new)] = face
                .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(old))
                .map_or(0.0, |a| f32::from(a) * 1000.0 / upem);
        }
    }
    let mut cmap = UnicodeCmap::new(Name(b"Broadsheet-UTF16"), system_info());
    for (old, text) in glyphs {
        if text.is_empty() {
            continue;
        }
        if let Some(new) = remapper.get(*old) {
            cmap.pair_with_multiple(new, text.chars());
        }
    }
    // Hinting serves low-resolution screens, not PDF; without it the subset is far smaller.
    let subset = super::unhint::strip(&subset).unwrap_or(subset);
    Ok(FontProgram {
        font_file: deflate(&subset),
        length1: subset.len(),
        widths,
        to_unicode: deflate(&cmap.finish()),
        remapper,
        tag,
    })
}

fn system_info() -> SystemInfo<'static> {
    SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    }
}

/// Embeds a font subset; returns the Type 0 font's reference.
fn write_font(pdf: &mut Pdf, refs: &mut Refs, id: FontId, program: &FontProgram) -> Ref {
    let face = face(id);
    let base_font = format!("{}+{}", program.tag, id.postscript_name());
    let type0_ref = refs.next();
    let cid_ref = refs.next();
    let descriptor_ref = refs.next();
    let file_ref = refs.next();
    let cmap_ref = refs.next();
    let system_info = system_info();

    pdf.type0_font(type0_ref)
        .base_font(Name(base_font.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_ref)
        .to_unicode(cmap_ref);

    let upem = f32::from(face.units_per_em() as u16);
    let to_pdf = |v: f32| v * 1000.0 / upem;
    let widths = program.widths.iter().copied();
    // TrueType outlines embed as CIDFontType2 (FontFile2); CFF outlines (most OpenType
    // CJK fonts) as CIDFontType0 in an OpenType FontFile3.
    let cff = face.tables().cff.is_some();
    let mut cid = pdf.cid_font(cid_ref);
    cid.subtype(if cff {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    })
    .base_font(Name(base_font.as_bytes()))
    .system_info(system_info)
    .font_descriptor(descriptor_ref)
    .default_width(0.0);
    if !cff {
        cid.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    cid.widths().consecutive(0, widths);
    cid.finish();

    let bbox = face.global_bounding_box();
    let mut flags = FontFlags::NON_SYMBOLIC;
    if matches!(
        id,
        FontId::SerifRegular | FontId::SerifBold | FontId::SerifItalic | FontId::SerifBoldItalic
    ) {
        flags |= FontFlags::SERIF;
    }
    if matches!(id, FontId::Mono) {
        flags |= FontFlags::FIXED_PITCH;
    }
    if face.italic_angle() != 0.0 {
        flags |= FontFlags::ITALIC;
    }
    let weight = f32::from(face.weight().to_number());
    let mut descriptor = pdf.font_descriptor(descriptor_ref);
    descriptor
        .name(Name(base_font.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(
            to_pdf(f32::from(bbox.x_min)),
            to_pdf(f32::from(bbox.y_min)),
            to_pdf(f32::from(bbox.x_max)),
            to_pdf(f32::from(bbox.y_max)),
        ))
        .italic_angle(face.italic_angle())
        .ascent(to_pdf(f32::from(face.ascender())))
        .descent(to_pdf(f32::from(face.descender())))
        .cap_height(to_pdf(f32::from(
            face.capital_height().unwrap_or(face.ascender()),
        )))
        .stem_v(10.0 + 0.244 * (weight - 50.0));
    if cff {
        descriptor.font_file3(file_ref);
    } else {
        descriptor.font_file2(file_ref);
    }
    descriptor.finish();

    let mut stream = pdf.stream(file_ref, &program.font_file);
    stream.filter(Filter::FlateDecode);
    if cff {
        stream.pair(Name(b"Subtype"), Name(b"OpenType"));
    } else {
        stream.pair(
            Name(b"Length1"),
            i32::try_from(program.length1).unwrap_or(i32::MAX),
        );
    }
    stream.finish();
    pdf.cmap(cmap_ref, &program.to_unicode)
        .filter(Filter::FlateDecode);
    type0_ref
}

/// Embeds an image: JPEG as it came, everything else decoded and deflated, with an alpha
/// channel as a soft mask.
fn write_image(pdf: &mut Pdf, refs: &mut Refs, image: &Image) -> Result<Ref, String> {
    let image_ref = refs.next();
    if image.format == ImageFormat::Jpeg
        && let Some(components) = jpeg_components(&image.data)
        && (components == 1 || components == 3)
    {
        let mut xobject = pdf.image_xobject(image_ref, &image.data);
        xobject
            .width(image.width as i32)
            .height(image.height as i32)
            .bits_per_component(8);
        xobject.filter(Filter::DctDecode);
        if components == 1 {
            xobject.color_space().device_gray();
        } else {
            xobject.color_space().device_rgb();
        }
        return Ok(image_ref);
    }
    if image.format == ImageFormat::Png
        && let Some(png) = plain_png(&image.data)
    {
        // The PNG's own compressed data, with its row filters declared: no re-encoding.
        let mut xobject = pdf.image_xobject(image_ref, &png.idat);
        xobject
            .width(png.width as i32)
            .height(png.height as i32)
            .bits_per_component(8);
        if png.colors == 1 {
            xobject.color_space().device_gray();
        } else {
            xobject.color_space().device_rgb();
        }
        xobject.filter(Filter::FlateDecode);
        xobject
            .decode_parms()
            .predictor(Predictor::PngOptimum)
            .colors(i32::from(png.colors))
            .bits_per_component(8)
            .columns(png.width as i32);
        return Ok(image_ref);
    }
    let decoded = image.decode()?;
    let (width, height) = (decoded.width() as i32, decoded.height() as i32);
    let mask_ref = if decoded.color().has_alpha() {
        let alpha: Vec<u8> = decoded.to_rgba8().pixels().map(|p| p.0[3]).collect();
        let mask_ref = refs.next();
        let compressed = deflate(&alpha);
        let mut mask = pdf.image_xobject(mask_ref, &compressed);
        mask.width(width).height(height).bits_per_component(8);
        mask.filter(Filter::FlateDecode);
        mask.color_space().device_gray();
        mask.finish();
        Some(mask_ref)
    } else {
        None
    };
    let gray = !decoded.color().has_color();
    let raw = if gray {
        decoded.to_luma8().into_raw()
    } else {
        decoded.to_rgb8().into_raw()
    };
    let compressed = deflate(&raw);
    let mut xobject = pdf.image_xobject(image_ref, &compressed);
    xobject.width(width).height(height).bits_per_component(8);
    xobject.filter(Filter::FlateDecode);
    if gray {
        xobject.color_space().device_gray();
    } else {
        xobject.color_space().device_rgb();
    }
    if let Some(mask) = mask_ref {
        xobject.s_mask(mask);
    }
    Ok(image_ref)
}

/// Writes outline items for `entries` under `parent`; returns the first and last item and
/// the number of visible descendants.
fn write_outline(
    pdf: &mut Pdf,
    refs: &mut Refs,
    entries: &[OutlineEntry],
    parent: Ref,
    page_refs: &[Ref],
    page_height: f32,
    left: f32,
) -> (Ref, Ref, i32) {
    let ids: Vec<Ref> = entries.iter().map(|_| refs.next()).collect();
    let mut total = 0;
    for (i, entry) in entries.iter().enumerate() {
        let children = if entry.children.is_empty() {
            None
        } else {
            Some(write_outline(
                pdf,
                refs,
                &entry.children,
                ids[i],
                page_refs,
                page_height,
                left,
            ))
        };
        let mut item = pdf.outline_item(ids[i]);
        item.title(TextStr(&entry.title)).parent(parent);
        if i > 0 {
            item.prev(ids[i - 1]);
        }
        if i + 1 < ids.len() {
            item.next(ids[i + 1]);
        }
        if let Some((first, last, count)) = children {
            item.first(first).last(last).count(count);
            total += count;
        }
        if let Some(page) = page_refs.get(entry.page) {
            item.dest()
                .page(*page)
                .xyz(left, page_height - entry.y, None);
        }
        item.finish();
        total += 1;
    }
    (ids[0], ids[ids.len() - 1], total)
}
