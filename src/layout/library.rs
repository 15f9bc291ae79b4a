//! The font library: which fonts a renderer may fall back to for scripts the embedded faces
//! lack (CJK when Noto Sans CJK is installed, for example), built once from the settings and
//! handed to the renderers that draw glyphs.
//!
//! A [`FontLibrary`] is a value, not process state: two registries with different font
//! settings live side by side in one process. Building one indexes the machine's fonts (when
//! asked) and the `font_dirs` folders; no font program is read then except those in
//! `font_dirs`, which are checked at once so that a broken file is logged and ignored at
//! start-up rather than met by a request. The first character that needs a fallback parses
//! candidate faces until one has a glyph for it and can be embedded; faces that cannot (a
//! bitmap-only or SVG-only colour font, a font the subsetter rejects) are logged once and
//! passed over, so no installed font can fail a document.
//!
//! Parsed faces are interned process-wide by file and index ([`FontId::Extra`] numbers
//! them), so two libraries that pick the same file share its bytes and the shaping caches
//! stay valid whichever library chose the face. That table is a cache, never configuration.
//! Faces are tried in the order of their file paths, so the same machine always picks the
//! same font for the same character.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use rustybuzz::Face;

use super::{FontId, Latin1, glyph_index};
use crate::settings::{Setting, SettingError};

/// Where fallback fonts come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FontSettings {
    /// Folders of extra fonts, searched recursively.
    pub font_dirs: Vec<PathBuf>,
    /// Whether the machine's installed fonts are used too.
    pub system_fonts: bool,
}

impl FontSettings {
    /// Fonts from these folders, and the machine's own fonts when `system_fonts` is set.
    pub fn new(font_dirs: Vec<PathBuf>, system_fonts: bool) -> Self {
        FontSettings {
            font_dirs,
            system_fonts,
        }
    }
}

/// The fonts renderers draw with: the embedded faces and, for characters they lack, the
/// faces of the machine and of the `font_dirs` folders. Cheap to clone; clones share their
/// choices.
#[derive(Clone)]
pub struct FontLibrary {
    inner: Arc<Library>,
}

struct Library {
    settings: FontSettings,
    database: fontdb::Database,
    /// Face ids in a stable order: by file path, then index.
    order: Vec<fontdb::ID>,
    /// Each candidate face once looked at: its interned index, or `None` when it cannot be
    /// used (no glyph outlines, not embeddable, unreadable).
    usable: Mutex<HashMap<fontdb::ID, Option<u16>>>,
    /// The face chosen for each character and look, `None` when no face has it.
    chosen: Mutex<HashMap<(char, Want), Option<u16>>>,
}

/// What a fallback face should look like: the weight and family class of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Want {
    pub(super) bold: bool,
    pub(super) serif: bool,
}

/// A face loaded from a font file, kept for the life of the process.
pub(super) struct ExtraFace {
    pub(super) data: &'static [u8],
    pub(super) index: u32,
    pub(super) face: Face<'static>,
    pub(super) latin1: Latin1,
    pub(super) postscript_name: String,
}

/// Every face loaded from a file, by (path, index), in the order they were first loaded.
static INTERNED: RwLock<Vec<(PathBuf, u32, &'static ExtraFace)>> = RwLock::new(Vec::new());

/// An interned face by its number.
pub(super) fn extra(index: u16) -> Option<&'static ExtraFace> {
    let interned = INTERNED.read().unwrap_or_else(|e| e.into_inner());
    interned.get(usize::from(index)).map(|(_, _, face)| *face)
}

/// The most characters whose fallback face a library remembers.
const CHOSEN_LIMIT: usize = 1 << 16;

impl FontLibrary {
    /// The embedded faces only: no fallback to any other font.
    pub fn embedded() -> Self {
        Self::build(FontSettings::default(), fontdb::Database::new())
    }

    /// Indexes the fonts the settings name. A folder that is missing or unreadable is an
    /// error naming the setting; a file in it that is not a usable font is logged and
    /// ignored.
    pub fn new(settings: FontSettings) -> Result<Self, SettingError> {
        let mut database = fontdb::Database::new();
        if settings.system_fonts {
            database.load_system_fonts();
        }
        for dir in &settings.font_dirs {
            std::fs::read_dir(dir).map_err(|e| {
                SettingError::new(Setting::FontDirs, format!("{}: {e}", dir.display()))
            })?;
            for path in font_files(dir) {
                for id in load_font_file(&mut database, &path) {
                    let why = database
                        .with_face_data(id, unusable)
                        .unwrap_or(Some("the font file could not be read"));
                    if let Some(why) = why {
                        tracing::warn!(font = %path.display(), reason = why, "ignoring a font in font_dirs");
                        database.remove_face(id);
                    }
                }
            }
        }
        Ok(Self::build(settings, database))
    }

    fn build(settings: FontSettings, database: fontdb::Database) -> Self {
        let mut faces: Vec<(PathBuf, u32, fontdb::ID)> = database
            .faces()
            .map(|f| (source_path(&database, f.id), f.index, f.id))
            .collect();
        faces.sort();
        FontLibrary {
            inner: Arc::new(Library {
                settings,
                order: faces.into_iter().map(|(_, _, id)| id).collect(),
                database,
                usable: Mutex::new(HashMap::new()),
                chosen: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The settings this library was built from.
    pub fn settings(&self) -> &FontSettings {
        &self.inner.settings
    }

    /// The number of faces offered for fallback.
    pub fn fallback_faces(&self) -> usize {
        self.inner.order.len()
    }

    /// The face to draw `c` with in the style of `font`: the first face of its chain that
    /// has it, else a fallback face that has it, else `None`.
    pub fn font_for(&self, font: FontId, c: char) -> Option<FontId> {
        if glyph_index(font, c).is_some() {
            return Some(font);
        }
        font.chain()
            .find(|f| glyph_index(*f, c).is_some())
            .or_else(|| self.fallback(c, font.want()).map(FontId::Extra))
    }

    /// The index of an interned face that has a glyph for `c`, loading one if needed. Faces
    /// of the wanted weight and class come first; any usable face that has the glyph will do.
    fn fallback(&self, c: char, want: Want) -> Option<u16> {
        let library = &self.inner;
        if library.order.is_empty() {
            return None;
        }
        if let Some(found) = lock(&library.chosen).get(&(c, want)) {
            return *found;
        }
        let found = self.find(c, want);
        let mut chosen = lock(&library.chosen);
        // Bounded like every cache: a document of every code point must not grow it forever.
        if chosen.len() >= CHOSEN_LIMIT {
            chosen.clear();
        }
        chosen.insert((c, want), found);
        found
    }

    fn find(&self, c: char, want: Want) -> Option<u16> {
        let library = &self.inner;
        let mut ranked: Vec<(u8, usize, fontdb::ID)> = library
            .order
            .iter()
            .enumerate()
            .map(|(i, &id)| (self.mismatch(id, want), i, id))
            .collect();
        ranked.sort_unstable();
        for (_, _, id) in ranked {
            let has = library
                .database
                .with_face_data(id, |data, index| {
                    rustybuzz::ttf_parser::Face::parse(data, index)
                        .ok()
                        .and_then(|f| f.glyph_index(c))
                        .is_some()
                })
                .unwrap_or(false);
            if has && let Some(index) = self.usable(id) {
                return Some(index);
            }
        }
        None
    }

    /// The interned index of a candidate face, loading and checking it the first time.
    fn usable(&self, id: fontdb::ID) -> Option<u16> {
        let library = &self.inner;
        if let Some(known) = lock(&library.usable).get(&id) {
            return *known;
        }
        let path = source_path(&library.database, id);
        let loaded = library
            .database
            .with_face_data(id, |data, index| match unusable(data, index) {
                Some(why) => Err(why),
                None => Ok(intern(&path, data, index, || {
                    library
                        .database
                        .face(id)
                        .map(|f| f.post_script_name.clone())
                        .unwrap_or_default()
                })),
            })
            .unwrap_or(Err("the font file could not be read"));
        let result = match loaded {
            Ok(index) => index,
            Err(why) => {
                tracing::info!(font = %path.display(), reason = why, "passing over a font that cannot be embedded");
                None
            }
        };
        lock(&library.usable).insert(id, result);
        result
    }

    /// How well a face matches what is wanted: 0 is best.
    fn mismatch(&self, id: fontdb::ID, want: Want) -> u8 {
        let Some(info) = self.inner.database.face(id) else {
            return 3;
        };
        let bold = info.weight.0 >= 600;
        let serif = info
            .families
            .iter()
            .any(|(name, _)| name.contains("Serif") && !name.contains("Sans"));
        u8::from(bold != want.bold) * 2 + u8::from(serif != want.serif)
    }
}

impl Default for FontLibrary {
    fn default() -> Self {
        FontLibrary::embedded()
    }
}

impl fmt::Debug for FontLibrary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FontLibrary")
            .field("settings", &self.inner.settings)
            .field("fallback_faces", &self.inner.order.len())
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn source_path(database: &fontdb::Database, id: fontdb::ID) -> PathBuf {
    match database.face(id).map(|f| &f.source) {
        Some(fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _)) => path.clone(),
        _ => PathBuf::new(),
    }
}

/// Why a face cannot be drawn into a document, or `None` when it can: it must parse, have
/// glyph outlines (TrueType or CFF; bitmap-only and SVG-only colour fonts have none), and
/// survive the subsetter, which is what the PDF writer will ask of it.
pub(crate) fn unusable(data: &[u8], index: u32) -> Option<&'static str> {
    let Ok(parsed) = rustybuzz::ttf_parser::Face::parse(data, index) else {
        return Some("not a font file this server can read");
    };
    let raw = parsed.raw_face();
    let has = |tags: &[&[u8; 4]]| {
        tags.iter().any(|tag| {
            raw.table(rustybuzz::ttf_parser::Tag::from_bytes(tag))
                .is_some()
        })
    };
    // Colour glyphs (bitmaps, layered vectors, SVG) are drawn by the PDF writer as Type 3
    // fonts; the subsetter is for outline fonts only.
    if has(&[b"CBDT", b"sbix", b"COLR", b"SVG "]) && parsed.tables().hmtx.is_some() {
        return None;
    }
    if !has(&[b"glyf", b"CFF ", b"CFF2"]) {
        return Some("the font has no glyph outlines (a bitmap or SVG colour font)");
    }
    let mut remapper = subsetter::GlyphRemapper::new();
    remapper.remap(0);
    // One real glyph besides .notdef, so the glyph data itself is read.
    let probe = parsed
        .glyph_index('a')
        .map_or(1, |g| g.0)
        .min(parsed.number_of_glyphs().saturating_sub(1));
    remapper.remap(probe);
    if subsetter::subset(data, index, &remapper).is_err() {
        return Some("the font cannot be subset for embedding");
    }
    None
}

/// The interned index of a face, loading it once per process.
fn intern(
    path: &Path,
    data: &[u8],
    index: u32,
    postscript_name: impl FnOnce() -> String,
) -> Option<u16> {
    let mut interned = INTERNED.write().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = interned
        .iter()
        .position(|(p, i, _)| p == path && *i == index)
    {
        return u16::try_from(i).ok();
    }
    let number = u16::try_from(interned.len()).ok()?;
    // Kept for the life of the process, like the embedded fonts; each file once.
    let data: &'static [u8] = Box::leak(data.to_vec().into_boxed_slice());
    let face = Face::from_slice(data, index)?;
    let postscript_name = Some(postscript_name())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("SystemFont{number}"));
    let extra: &'static ExtraFace = Box::leak(Box::new(ExtraFace {
        data,
        index,
        latin1: Latin1::of(&face),
        face,
        postscript_name,
    }));
    interned.push((path.to_owned(), index, extra));
    Some(number)
}

/// The most faces a collection file may hold. Real collections hold a few dozen; the
/// count in a file's header is otherwise believed as it stands, and a forged one makes the
/// font index loop or allocate for billions of faces.
const MAX_FACES_IN_A_FILE: u32 = 1024;

/// Why the first bytes of a font file (`header`, at least 12 of them when there are that
/// many) and its length rule it out before it is indexed, or `None`. A collection must
/// count at least one face and at most [`MAX_FACES_IN_A_FILE`], and the file must be long
/// enough to hold their offsets.
pub(crate) fn header_problem(header: &[u8], len: u64) -> Option<&'static str> {
    if len < 12 || header.len() < 12 {
        return Some("the file is too short to be a font");
    }
    if &header[..4] != b"ttcf" {
        return None;
    }
    let count = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
    if count == 0 || count > MAX_FACES_IN_A_FILE || 12 + 4 * u64::from(count) > len {
        return Some("the font collection's header counts more faces than the file holds");
    }
    None
}

/// Indexes one font file whose header passes [`header_problem`]; returns the faces added.
fn load_font_file(database: &mut fontdb::Database, path: &Path) -> Vec<fontdb::ID> {
    use std::io::Read;
    let checked = std::fs::File::open(path).and_then(|mut file| {
        let len = file.metadata()?.len();
        let mut header = Vec::with_capacity(12);
        file.by_ref().take(12).read_to_end(&mut header)?;
        Ok(header_problem(&header, len))
    });
    match checked {
        Ok(None) => {}
        Ok(Some(why)) => {
            tracing::warn!(font = %path.display(), reason = why, "ignoring a font in font_dirs");
            return Vec::new();
        }
        Err(error) => {
            tracing::warn!(font = %path.display(), %error, "ignoring a font in font_dirs that cannot be read");
            return Vec::new();
        }
    }
    let before: std::collections::HashSet<fontdb::ID> = database.faces().map(|f| f.id).collect();
    let added: Vec<fontdb::ID> = match database.load_font_file(path) {
        Ok(()) => database
            .faces()
            .map(|f| f.id)
            .filter(|id| !before.contains(id))
            .collect(),
        Err(_) => Vec::new(),
    };
    if added.is_empty() {
        tracing::warn!(font = %path.display(), "ignoring a file in font_dirs that is not a usable font");
    }
    added
}

/// Indexes font bytes as [`load_font_file`] indexes a file, for the font fuzz target.
pub(crate) fn load_font_data(database: &mut fontdb::Database, data: Vec<u8>) -> Vec<fontdb::ID> {
    if header_problem(&data, data.len() as u64).is_some() {
        return Vec::new();
    }
    database
        .load_font_source(fontdb::Source::Binary(Arc::new(data)))
        .to_vec()
}

/// The font files (`.ttf`, `.otf`, `.ttc`, `.otc`, in any case) under `dir` and its
/// subfolders, sorted, each once even where links lead to it twice. The walk is bounded,
/// for a folder that is a whole file system by mistake.
fn font_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut pending = vec![dir.to_owned()];
    let mut visited = 0usize;
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            visited += 1;
            if visited > 100_000 {
                tracing::warn!(dir = %dir.display(), "font_dirs holds more than 100,000 entries; the rest are not read");
                files.sort();
                return files;
            }
            let path = entry.path();
            let Ok(canonical) = std::fs::canonicalize(&path) else {
                continue;
            };
            if !seen.insert(canonical.clone()) {
                continue;
            }
            if canonical.is_dir() {
                pending.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "ttf" | "otf" | "ttc" | "otc"
                )
            }) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_library_offers_no_fallback() {
        let fonts = FontLibrary::embedded();
        assert_eq!(fonts.fallback_faces(), 0);
        assert_eq!(fonts.font_for(FontId::SerifRegular, '北'), None);
        assert_eq!(
            fonts.font_for(FontId::SerifRegular, 'ب'),
            Some(FontId::SansRegular)
        );
    }

    #[test]
    fn a_missing_font_dir_names_the_setting() {
        let err = FontLibrary::new(FontSettings::new(
            vec![PathBuf::from("/nonexistent/fonts")],
            false,
        ))
        .unwrap_err();
        assert_eq!(err.setting, Setting::FontDirs);
    }

    #[test]
    fn a_collection_header_that_counts_more_faces_than_the_file_holds_is_refused() {
        let mut forged = b"ttcf\x00\x01\x00\x00\xff\xff\xff\xff".to_vec();
        forged.extend_from_slice(&[0; 64]);
        assert!(header_problem(&forged, forged.len() as u64).is_some());
        forged[8..12].copy_from_slice(&2u32.to_be_bytes());
        assert_eq!(header_problem(&forged, forged.len() as u64), None);
        assert!(header_problem(b"ttcf", 4).is_some());
        assert_eq!(
            header_problem(&FontId::SerifRegular.data()[..12], 1 << 20),
            None
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("forged.ttc"),
            b"ttcf\x00\x01\x00\x00\xff\xff\xff\xff",
        )
        .unwrap();
        let library =
            FontLibrary::new(FontSettings::new(vec![dir.path().to_owned()], false)).unwrap();
        assert_eq!(library.fallback_faces(), 0);
    }

    #[test]
    fn broken_fonts_in_a_font_dir_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty.ttf"), b"").unwrap();
        std::fs::write(dir.path().join("garbage.otf"), b"OTTO\0\x01garbage").unwrap();
        let truncated = &FontId::SansRegular.data()[..4096];
        std::fs::write(dir.path().join("truncated.ttf"), truncated).unwrap();
        let fonts =
            FontLibrary::new(FontSettings::new(vec![dir.path().to_owned()], false)).unwrap();
        assert_eq!(fonts.fallback_faces(), 0);
        assert_eq!(fonts.font_for(FontId::SerifRegular, '北'), None);
    }

    #[test]
    fn fonts_without_outlines_cannot_be_used() {
        assert!(unusable(FontId::SansRegular.data(), 0).is_none());
        assert!(unusable(b"", 0).is_some());
    }
}
