//! Fallback to fonts installed on the machine (and in `--font-dir` folders), for scripts the
//! embedded faces lack: CJK when a CJK font such as Noto Sans CJK is installed, for example.
//!
//! The font folders are indexed once at start-up ([`configure`]); no font is read then. The
//! first character that needs a fallback parses the candidate faces until one has a glyph
//! for it; that face is loaded once, kept for the life of the process and reused by every
//! later request. Faces are tried in the order of their file paths, so the same machine
//! always picks the same font for the same character.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, RwLock};

use rustybuzz::Face;

/// A face loaded from the machine.
pub(super) struct ExtraFace {
    pub(super) data: &'static [u8],
    pub(super) index: u32,
    pub(super) face: Face<'static>,
    pub(super) postscript_name: String,
}

struct System {
    database: fontdb::Database,
    /// Face ids in a stable order.
    order: Vec<fontdb::ID>,
}

static SYSTEM: OnceLock<System> = OnceLock::new();
static LOADED: RwLock<Vec<(fontdb::ID, &'static ExtraFace)>> = RwLock::new(Vec::new());
/// The face chosen for each character and look, `None` when no face has it.
type Choices = HashMap<(char, Want), Option<u16>>;

static CHOSEN: OnceLock<Mutex<Choices>> = OnceLock::new();

/// What a fallback face should look like: the weight and family class of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Want {
    pub(super) bold: bool,
    pub(super) serif: bool,
}

/// Indexes the system fonts and the given folders. Call once at start-up; later calls are
/// ignored. Without a call, no system font is used.
pub fn configure(font_dirs: &[PathBuf], system_fonts: bool) {
    let _ = SYSTEM.get_or_init(|| {
        let mut database = fontdb::Database::new();
        if system_fonts {
            database.load_system_fonts();
        }
        for dir in font_dirs {
            database.load_fonts_dir(dir);
        }
        let mut faces: Vec<(String, u32, fontdb::ID)> = database
            .faces()
            .map(|f| {
                let path = match &f.source {
                    fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => {
                        path.display().to_string()
                    }
                    fontdb::Source::Binary(_) => String::new(),
                };
                (path, f.index, f.id)
            })
            .collect();
        faces.sort();
        System {
            order: faces.into_iter().map(|(_, _, id)| id).collect(),
            database,
        }
    });
}

/// The number of faces the machine offers for fallback.
pub fn available() -> usize {
    SYSTEM.get().map_or(0, |s| s.order.len())
}

/// A loaded extra face by index.
pub(super) fn extra(index: u16) -> Option<&'static ExtraFace> {
    let loaded = LOADED.read().unwrap_or_else(|e| e.into_inner());
    loaded.get(usize::from(index)).map(|(_, face)| *face)
}

/// The index of a loaded machine face that has a glyph for `c`, loading one if needed.
/// Faces of the wanted weight and class come first; any face that has the glyph will do.
pub(super) fn fallback(c: char, want: Want) -> Option<u16> {
    let system = SYSTEM.get()?;
    let chosen = CHOSEN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = chosen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(c, want))
    {
        return *found;
    }
    let found = find(system, c, want);
    chosen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((c, want), found);
    found
}

/// How well a face matches what is wanted: 0 is best.
fn mismatch(system: &System, id: fontdb::ID, want: Want) -> u8 {
    let Some(info) = system.database.face(id) else {
        return 3;
    };
    let bold = info.weight.0 >= 600;
    let serif = info
        .families
        .iter()
        .any(|(name, _)| name.contains("Serif") && !name.contains("Sans"));
    u8::from(bold != want.bold) * 2 + u8::from(serif != want.serif)
}

fn find(system: &System, c: char, want: Want) -> Option<u16> {
    // Faces already loaded first: a CJK document loads its fonts once.
    {
        let loaded = LOADED.read().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = loaded
            .iter()
            .position(|(id, f)| mismatch(system, *id, want) == 0 && f.face.glyph_index(c).is_some())
        {
            return u16::try_from(i).ok();
        }
    }
    let mut ranked: Vec<(u8, usize, fontdb::ID)> = system
        .order
        .iter()
        .enumerate()
        .map(|(i, &id)| (mismatch(system, id, want), i, id))
        .collect();
    ranked.sort_unstable();
    for (_, _, id) in ranked {
        let has = system
            .database
            .with_face_data(id, |data, index| {
                rustybuzz::ttf_parser::Face::parse(data, index)
                    .ok()
                    .and_then(|f| f.glyph_index(c))
                    .is_some()
            })
            .unwrap_or(false);
        if !has {
            continue;
        }
        let mut loaded = LOADED.write().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = loaded.iter().position(|(loaded_id, _)| *loaded_id == id) {
            return u16::try_from(i).ok();
        }
        let Some((data, index)) = system
            .database
            .with_face_data(id, |data, index| (data.to_vec(), index))
        else {
            continue;
        };
        // Kept for the life of the process, like the embedded fonts.
        let data: &'static [u8] = Box::leak(data.into_boxed_slice());
        let Some(face) = Face::from_slice(data, index) else {
            continue;
        };
        let postscript_name = system
            .database
            .face(id)
            .map(|f| f.post_script_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("SystemFont{}", loaded.len()));
        let extra: &'static ExtraFace = Box::leak(Box::new(ExtraFace {
            data,
            index,
            face,
            postscript_name,
        }));
        loaded.push((id, extra));
        return u16::try_from(loaded.len() - 1).ok();
    }
    None
}
