//! The HTML importer: html5ever's tree builder building into a flat arena of our own that
//! enforces [`ImportLimits`] as it grows, then one iterative walk that maps elements onto
//! [`pb::Block`]s.
//!
//! The walk keeps two stacks: one frame per open element (what to do when it closes, and the
//! inline style its children inherit), and one context per block being built (the article
//! flow, a list, a table, a caption, …). Text goes to the context on top. A block that cannot
//! live inside the context on top (a figure inside a list item, a table inside a cell) is kept
//! aside and emitted right after the context that holds it.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, ParseOpts, QualName, local_name, ns, parse_document};

use super::{Dropped, ImportError, ImportLimits, Imported, Warnings, shift_headings};
use crate::pb;
use crate::pb::block::Kind;

/// How much input the parser takes between two checks of the limits. Small enough that a body
/// over a limit costs at most a few more kilobytes of parsing, large enough that the checks
/// cost nothing.
const CHUNK_BYTES: usize = 4096;

/// The largest `colspan` HTML honours.
const MAX_COL_SPAN: u32 = 1000;

/// The largest `rowspan` HTML honours (`rowspan="0"` means "to the end of the row group").
const MAX_ROW_SPAN: u32 = 65534;

/// Laying out row spans costs one step per covered cell run per row. A body may spend this
/// many steps per element it is allowed, after which further row spans are ignored (each
/// already counted in the warning), so a few cells spanning 65534 rows of a huge table cannot
/// cost quadratic time.
const ROW_SPAN_STEPS_PER_ELEMENT: usize = 16;

/// Column alignment is read for at most this many columns (HTML's own `colspan` limit; the edge
/// allows far fewer columns anyway).
const MAX_ALIGNED_COLUMNS: usize = 1000;

/// Imports an HTML body. See the [module docs](super).
pub(super) fn import(body: &str, limits: &ImportLimits) -> Result<Imported, ImportError> {
    let dom = parse(body, limits)?;
    let nodes = dom.nodes.into_inner();
    let mut converter = Converter::new(&nodes, *limits);
    converter.read_stylesheets();
    converter.walk()?;
    Ok(converter.finish())
}

// ---------------------------------------------------------------------------------------------
// Parsing into a bounded arena
// ---------------------------------------------------------------------------------------------

/// Parses `body` into an arena, refusing it as soon as it passes a limit.
fn parse(body: &str, limits: &ImportLimits) -> Result<Sink, ImportError> {
    let mut parser = parse_document(Sink::new(*limits), ParseOpts::default());
    let mut rest = body;
    while !rest.is_empty() {
        let mut end = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (chunk, tail) = rest.split_at(end);
        parser.process(StrTendril::from_slice(chunk));
        if let Some(refusal) = parser.tokenizer.sink.sink.refusal.get() {
            // Dropping the parser and its arena is flat: nothing recurses on the tree.
            return Err(refusal.error(limits));
        }
        rest = tail;
    }
    let sink = parser.finish();
    match sink.refusal.get() {
        Some(refusal) => Err(refusal.error(limits)),
        None => Ok(sink),
    }
}

/// Which limit a body passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Depth,
    Elements,
}

impl Refusal {
    fn error(self, limits: &ImportLimits) -> ImportError {
        let reason = match self {
            Refusal::Depth => format!(
                "nests elements more than {} levels deep; flatten the markup",
                limits.max_depth
            ),
            Refusal::Elements => format!(
                "has more than {} elements; simplify the markup or split the article",
                limits.max_elements
            ),
        };
        ImportError { reason }
    }
}

/// An index into the arena.
type NodeId = usize;

/// Nodes that are not kept (comments, processing instructions, and everything made after a
/// limit was passed) get ids from here up, above any arena index, so that the tree builder can
/// still tell them apart.
const PHANTOM_IDS: NodeId = usize::MAX / 2;

/// What the tree builder holds: the node's id and, for elements, its name (so that asking for
/// the name never borrows the arena).
#[derive(Clone)]
struct Handle {
    id: NodeId,
    name: Rc<QualName>,
}

/// What a node is.
enum NodeData {
    Document,
    /// A template's contents, which are never walked.
    Fragment,
    Element {
        name: Rc<QualName>,
        attrs: Vec<Attribute>,
        template: Option<NodeId>,
    },
    Text(StrTendril),
}

/// One node of the arena, linked to its relatives by index.
struct Node {
    data: NodeData,
    parent: Option<NodeId>,
    first_child: Option<NodeId>,
    last_child: Option<NodeId>,
    prev: Option<NodeId>,
    next: Option<NodeId>,
}

/// The tree as a flat vector: dropping it never recurses, and every link is checked.
struct Arena(Vec<Node>);

impl Arena {
    fn push(&mut self, data: NodeData) -> NodeId {
        self.0.push(Node {
            data,
            parent: None,
            first_child: None,
            last_child: None,
            prev: None,
            next: None,
        });
        self.0.len() - 1
    }

    fn has(&self, id: NodeId) -> bool {
        id < self.0.len()
    }

    /// The number of ancestors of `id`, counted up to `cap`.
    fn depth(&self, id: NodeId, cap: usize) -> usize {
        let mut depth = 0;
        let mut at = self.0.get(id).and_then(|n| n.parent);
        while let Some(parent) = at {
            depth += 1;
            if depth > cap {
                break;
            }
            at = self.0.get(parent).and_then(|n| n.parent);
        }
        depth
    }

    fn set(&mut self, id: Option<NodeId>, f: impl FnOnce(&mut Node)) {
        if let Some(node) = id.and_then(|id| self.0.get_mut(id)) {
            f(node);
        }
    }

    /// Detaches `id` from its parent and siblings.
    fn unlink(&mut self, id: NodeId) {
        let Some(node) = self.0.get_mut(id) else {
            return;
        };
        let (parent, prev, next) = (node.parent.take(), node.prev.take(), node.next.take());
        match prev {
            Some(_) => self.set(prev, |n| n.next = next),
            None => self.set(parent, |n| n.first_child = next),
        }
        match next {
            Some(_) => self.set(next, |n| n.prev = prev),
            None => self.set(parent, |n| n.last_child = prev),
        }
    }

    /// Appends the detached node `child` to `parent`'s children.
    fn append(&mut self, parent: NodeId, child: NodeId) {
        let Some(last) = self.0.get(parent).map(|n| n.last_child) else {
            return;
        };
        self.set(Some(child), |n| {
            n.parent = Some(parent);
            n.prev = last;
            n.next = None;
        });
        match last {
            Some(_) => self.set(last, |n| n.next = Some(child)),
            None => self.set(Some(parent), |n| n.first_child = Some(child)),
        }
        self.set(Some(parent), |n| n.last_child = Some(child));
    }

    /// Inserts the detached node `child` just before `sibling`.
    fn insert_before(&mut self, sibling: NodeId, child: NodeId) {
        let Some((parent, prev)) = self.0.get(sibling).map(|n| (n.parent, n.prev)) else {
            return;
        };
        self.set(Some(child), |n| {
            n.parent = parent;
            n.prev = prev;
            n.next = Some(sibling);
        });
        self.set(Some(sibling), |n| n.prev = Some(child));
        match prev {
            Some(_) => self.set(prev, |n| n.next = Some(child)),
            None => self.set(parent, |n| n.first_child = Some(child)),
        }
    }

    /// The text node `id`, if it is one.
    fn text_mut(&mut self, id: Option<NodeId>) -> Option<&mut StrTendril> {
        match id.and_then(|id| self.0.get_mut(id)).map(|n| &mut n.data) {
            Some(NodeData::Text(text)) => Some(text),
            _ => None,
        }
    }
}

/// The tree sink: builds the arena and stops keeping nodes once a limit is passed.
struct Sink {
    nodes: RefCell<Arena>,
    phantoms: Cell<usize>,
    elements: Cell<usize>,
    refusal: Cell<Option<Refusal>>,
    limits: ImportLimits,
    /// The name handed out for nodes that are not elements (never asked for).
    no_name: Rc<QualName>,
}

impl Sink {
    fn new(limits: ImportLimits) -> Self {
        let mut arena = Arena(Vec::new());
        arena.push(NodeData::Document);
        Self {
            nodes: RefCell::new(arena),
            phantoms: Cell::new(0),
            elements: Cell::new(0),
            refusal: Cell::new(None),
            limits,
            no_name: Rc::new(QualName::new(None, ns!(), local_name!(""))),
        }
    }

    fn refuse(&self, refusal: Refusal) {
        if self.refusal.get().is_none() {
            self.refusal.set(Some(refusal));
        }
    }

    fn refused(&self) -> bool {
        self.refusal.get().is_some()
    }

    fn phantom(&self, name: Rc<QualName>) -> Handle {
        let n = self.phantoms.get();
        self.phantoms.set(n.wrapping_add(1));
        Handle {
            id: PHANTOM_IDS.wrapping_add(n),
            name,
        }
    }

    /// Whether a child of `parent` would nest too deep; refuses the body if so.
    fn too_deep(&self, nodes: &Arena, parent: NodeId) -> bool {
        let depth = nodes.depth(parent, self.limits.max_depth) + 1;
        if depth > self.limits.max_depth {
            self.refuse(Refusal::Depth);
            true
        } else {
            false
        }
    }
}

impl TreeSink for Sink {
    type Handle = Handle;
    type Output = Self;
    type ElemName<'a> = &'a QualName;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Handle {
        Handle {
            id: 0,
            name: self.no_name.clone(),
        }
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> &'a QualName {
        &target.name
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        let count = self.elements.get().saturating_add(1);
        self.elements.set(count);
        if count > self.limits.max_elements {
            self.refuse(Refusal::Elements);
        }
        let name = Rc::new(name);
        if self.refused() {
            return self.phantom(name);
        }
        let mut nodes = self.nodes.borrow_mut();
        let template = flags.template.then(|| nodes.push(NodeData::Fragment));
        let id = nodes.push(NodeData::Element {
            name: name.clone(),
            attrs,
            template,
        });
        Handle { id, name }
    }

    fn create_comment(&self, _text: StrTendril) -> Handle {
        self.phantom(self.no_name.clone())
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Handle {
        self.phantom(self.no_name.clone())
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        if self.refused() {
            return;
        }
        let mut nodes = self.nodes.borrow_mut();
        if !nodes.has(parent.id) {
            return;
        }
        match child {
            NodeOrText::AppendText(text) => {
                let last = nodes.0.get(parent.id).and_then(|n| n.last_child);
                if let Some(existing) = nodes.text_mut(last) {
                    existing.push_tendril(&text);
                } else {
                    let id = nodes.push(NodeData::Text(text));
                    nodes.append(parent.id, id);
                }
            }
            NodeOrText::AppendNode(node) => {
                if !nodes.has(node.id) || self.too_deep(&nodes, parent.id) {
                    return;
                }
                nodes.unlink(node.id);
                nodes.append(parent.id, node.id);
            }
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        let has_parent = self
            .nodes
            .borrow()
            .0
            .get(element.id)
            .is_some_and(|n| n.parent.is_some());
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &Handle) -> Handle {
        let template = match self.nodes.borrow().0.get(target.id).map(|n| &n.data) {
            Some(NodeData::Element { template, .. }) => *template,
            _ => None,
        };
        match template {
            Some(id) => Handle {
                id,
                name: self.no_name.clone(),
            },
            None => self.phantom(self.no_name.clone()),
        }
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        x.id == y.id
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        if self.refused() {
            return;
        }
        let mut nodes = self.nodes.borrow_mut();
        let Some(parent) = nodes.0.get(sibling.id).and_then(|n| n.parent) else {
            return;
        };
        match new_node {
            NodeOrText::AppendText(text) => {
                let prev = nodes.0.get(sibling.id).and_then(|n| n.prev);
                if let Some(existing) = nodes.text_mut(prev) {
                    existing.push_tendril(&text);
                } else {
                    let id = nodes.push(NodeData::Text(text));
                    nodes.insert_before(sibling.id, id);
                }
            }
            NodeOrText::AppendNode(node) => {
                if !nodes.has(node.id) || self.too_deep(&nodes, parent) {
                    return;
                }
                nodes.unlink(node.id);
                nodes.insert_before(sibling.id, node.id);
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        let mut nodes = self.nodes.borrow_mut();
        if let Some(Node {
            data: NodeData::Element {
                attrs: existing, ..
            },
            ..
        }) = nodes.0.get_mut(target.id)
        {
            for attr in attrs {
                if !existing.iter().any(|a| a.name == attr.name) {
                    existing.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &Handle) {
        self.nodes.borrow_mut().unlink(target.id);
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        let mut nodes = self.nodes.borrow_mut();
        if !nodes.has(new_parent.id) || self.too_deep(&nodes, new_parent.id) {
            return;
        }
        while let Some(child) = nodes.0.get(node.id).and_then(|n| n.first_child) {
            nodes.unlink(child);
            nodes.append(new_parent.id, child);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Styles
// ---------------------------------------------------------------------------------------------

/// The inline formatting a run of text has.
#[derive(Debug, Clone, Default, PartialEq)]
struct Style {
    emphasis: bool,
    strong: bool,
    code: bool,
    link: Option<Rc<str>>,
}

impl Style {
    fn matches(&self, span: &pb::Span) -> bool {
        self.emphasis == span.emphasis
            && self.strong == span.strong
            && self.code == span.code
            && self.link.as_deref().unwrap_or("") == span.link
    }
}

/// The CSS declarations the importer reads, from a `style` attribute or a class rule. `None`
/// leaves what the element inherits.
#[derive(Debug, Clone, Copy, Default)]
struct Declarations {
    strong: Option<bool>,
    emphasis: Option<bool>,
    code: Option<bool>,
    hidden: Option<bool>,
    align: Option<pb::Alignment>,
}

impl Declarations {
    /// `later` over `self`, as the cascade puts a later rule over an earlier one.
    fn then(self, later: Declarations) -> Declarations {
        Declarations {
            strong: later.strong.or(self.strong),
            emphasis: later.emphasis.or(self.emphasis),
            code: later.code.or(self.code),
            hidden: later.hidden.or(self.hidden),
            align: later.align.or(self.align),
        }
    }
}

/// Font families that mean code.
const MONOSPACE_FAMILIES: &[&str] = &[
    "monospace",
    "courier",
    "consolas",
    "monaco",
    "menlo",
    "source code pro",
    "roboto mono",
    "inconsolata",
    "fira code",
    "fira mono",
    "jetbrains mono",
    "ubuntu mono",
    "lucida console",
    "dejavu sans mono",
];

/// Reads the declarations of a `style` attribute or a rule body.
fn parse_declarations(css: &str) -> Declarations {
    let mut out = Declarations::default();
    for declaration in css.split(';') {
        let Some((property, value)) = declaration.split_once(':') else {
            continue;
        };
        let property = property.trim().to_ascii_lowercase();
        let value = value.trim().to_ascii_lowercase();
        let value = value.trim_end_matches("!important").trim();
        match property.as_str() {
            "font-weight" => {
                out.strong = match value {
                    "bold" | "bolder" => Some(true),
                    "normal" | "lighter" => Some(false),
                    number => number.parse::<f32>().ok().map(|n| n >= 600.0),
                }
            }
            "font-style" => {
                out.emphasis = if value == "normal" {
                    Some(false)
                } else if value.starts_with("italic") || value.starts_with("oblique") {
                    Some(true)
                } else {
                    None
                }
            }
            "font-family" if MONOSPACE_FAMILIES.iter().any(|f| value.contains(f)) => {
                out.code = Some(true);
            }
            "display" => out.hidden = Some(value == "none"),
            "visibility" => out.hidden = Some(matches!(value, "hidden" | "collapse")),
            "text-align" => out.align = alignment(value),
            _ => {}
        }
    }
    out
}

/// An `align` attribute or `text-align` value as an alignment.
fn alignment(value: &str) -> Option<pb::Alignment> {
    match value.trim().to_ascii_lowercase().as_str() {
        "left" | "start" => Some(pb::Alignment::Start),
        "center" | "middle" => Some(pb::Alignment::Center),
        "right" | "end" => Some(pb::Alignment::End),
        _ => None,
    }
}

/// The `.class { … }` rules of a document's style sheets, with the order each was first seen.
#[derive(Default)]
struct ClassRules(HashMap<String, (usize, Declarations)>);

impl ClassRules {
    /// Reads the rules of one style sheet whose selectors are all single classes (as in Google
    /// Docs exports). Other rules, at-rules and their blocks are skipped.
    fn read(&mut self, css: &str) {
        let css = strip_css_comments(css);
        let mut rest = css.as_str();
        while let Some(open) = rest.find('{') {
            let (selector, after) = rest.split_at(open);
            let after = after.get(1..).unwrap_or("");
            let mut depth = 1usize;
            let mut close = None;
            for (i, c) in after.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(close) = close else {
                break;
            };
            let (body, tail) = after.split_at(close);
            rest = tail.get(1..).unwrap_or("");
            // A statement such as `@import …;` before the selector is not part of it.
            let selector = selector.rsplit(';').next().unwrap_or("").trim();
            if selector.starts_with('@') || body.contains('{') {
                continue;
            }
            let declarations = parse_declarations(body);
            for one in selector.split(',') {
                let Some(class) = one.trim().strip_prefix('.') else {
                    continue;
                };
                if class.is_empty()
                    || !class
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    continue;
                }
                let order = self.0.len();
                let entry = self
                    .0
                    .entry(class.to_owned())
                    .or_insert((order, Declarations::default()));
                entry.1 = entry.1.then(declarations);
            }
        }
    }

    /// The declarations of an element's classes, in style-sheet order.
    fn of(&self, classes: &str) -> Declarations {
        if self.0.is_empty() {
            return Declarations::default();
        }
        let mut found: Vec<&(usize, Declarations)> = classes
            .split_ascii_whitespace()
            .filter_map(|c| self.0.get(c))
            .collect();
        found.sort_by_key(|(order, _)| *order);
        found
            .into_iter()
            .fold(Declarations::default(), |acc, (_, d)| acc.then(*d))
    }
}

fn strip_css_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// Running text
// ---------------------------------------------------------------------------------------------

/// HTML's ASCII whitespace, which collapses in running text (U+00A0 does not).
fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0C}')
}

/// The deliberate line break the edge keeps.
const LINE_BREAK: char = '\u{2028}';

/// What the text collected so far ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Last {
    /// Nothing yet: leading whitespace and breaks are dropped.
    #[default]
    Start,
    /// A collapsed space (removed again if a break or the end follows).
    Space,
    /// A line break is pending.
    Break,
    /// Anything else.
    Other,
}

/// Running text being collected for one paragraph, heading, item or cell, as merged spans,
/// with HTML's whitespace rules applied as it arrives.
#[derive(Debug, Default)]
struct Inline {
    spans: Vec<pb::Span>,
    last: Last,
    /// Line breaks waiting for more text (dropped at the end).
    breaks: usize,
}

impl Inline {
    fn text(&mut self, text: &str, style: &Style) {
        let mut out = String::new();
        for c in text.chars() {
            if is_html_space(c) {
                if self.last == Last::Other {
                    out.push(' ');
                    self.last = Last::Space;
                }
            } else {
                for _ in 0..std::mem::take(&mut self.breaks) {
                    out.push(LINE_BREAK);
                }
                out.push(c);
                self.last = Last::Other;
            }
        }
        if out.is_empty() {
            return;
        }
        match self.spans.last_mut() {
            Some(span) if style.matches(span) => span.text.push_str(&out),
            _ => self.spans.push(pb::Span {
                text: out,
                emphasis: style.emphasis,
                strong: style.strong,
                code: style.code,
                link: style.link.as_deref().unwrap_or("").to_owned(),
            }),
        }
    }

    /// A `br`.
    fn line_break(&mut self) {
        if self.last != Last::Start {
            self.trim_space();
            self.breaks += 1;
            self.last = Last::Break;
        }
    }

    /// The edge of a block inside a container that holds only text (a list item, a cell): the
    /// text on either side goes on separate lines.
    fn boundary(&mut self) {
        if self.last != Last::Start {
            self.trim_space();
            self.breaks = self.breaks.max(1);
            self.last = Last::Break;
        }
    }

    fn trim_space(&mut self) {
        if self.last == Last::Space {
            if let Some(span) = self.spans.last_mut() {
                if span.text.ends_with(' ') {
                    span.text.pop();
                }
                if span.text.is_empty() {
                    self.spans.pop();
                }
            }
            self.last = Last::Other;
        }
    }

    fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The spans so far, trimmed at the end, leaving the buffer empty.
    fn take(&mut self) -> Vec<pb::Span> {
        self.trim_space();
        let spans = std::mem::take(&mut self.spans);
        *self = Inline::default();
        spans
    }

    /// The text so far without formatting, its line breaks as spaces (for single-line fields).
    fn take_plain(&mut self) -> String {
        plain(&self.take())
    }
}

/// The text of spans, line breaks as spaces.
fn plain(spans: &[pb::Span]) -> String {
    spans
        .iter()
        .flat_map(|s| s.text.chars())
        .map(|c| if c == LINE_BREAK { ' ' } else { c })
        .collect()
}

/// Spans in the short form when they carry no formatting: `(text, [])`, else `("", spans)`.
fn rich(spans: Vec<pb::Span>) -> (String, Vec<pb::Span>) {
    if spans
        .iter()
        .all(|s| !s.emphasis && !s.strong && !s.code && s.link.is_empty())
    {
        (spans.into_iter().map(|s| s.text).collect(), Vec::new())
    } else {
        (String::new(), spans)
    }
}

fn paragraph(spans: Vec<pb::Span>) -> pb::Paragraph {
    let (text, spans) = rich(spans);
    pb::Paragraph { text, spans }
}

fn block(kind: Kind) -> pb::Block {
    pb::Block { kind: Some(kind) }
}

fn text_paragraph(text: String) -> pb::Block {
    block(Kind::Paragraph(pb::Paragraph {
        text,
        spans: Vec::new(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Contexts: the blocks being built
// ---------------------------------------------------------------------------------------------

/// A flow of blocks: the article body, a quote, an aside or a figure.
struct Flow {
    kind: FlowKind,
    blocks: Vec<pb::Block>,
    inline: Inline,
    /// The level of the heading being collected, or `None` for a paragraph.
    heading: Option<u32>,
    /// The Google Docs list id of the last block, when it is such a list.
    list_key: Option<String>,
}

enum FlowKind {
    Body,
    Quote {
        node: NodeId,
        attribution: String,
        cite: String,
    },
    Aside,
    Figure {
        caption: String,
        credit: String,
        dropped_image: bool,
    },
}

impl Flow {
    fn new(kind: FlowKind) -> Self {
        Self {
            kind,
            blocks: Vec::new(),
            inline: Inline::default(),
            heading: None,
            list_key: None,
        }
    }

    /// Ends the paragraph or heading being collected.
    fn flush(&mut self) {
        if self.inline.is_empty() {
            self.inline = Inline::default();
            return;
        }
        let spans = self.inline.take();
        let kind = match self.heading {
            None => Kind::Paragraph(paragraph(spans)),
            Some(level) => {
                let (text, spans) = rich(spans);
                Kind::Heading(pb::Heading {
                    level: Some(level),
                    text,
                    spans,
                })
            }
        };
        self.blocks.push(block(kind));
        self.list_key = None;
    }

    fn push(&mut self, block: pb::Block) {
        self.flush();
        self.blocks.push(block);
        self.list_key = None;
    }

    /// Adds a list, joining it to the list before when both are parts of one Google Docs list.
    fn push_list(&mut self, list: pb::List, key: Option<String>) {
        self.flush();
        if key.is_some()
            && key == self.list_key
            && let Some(pb::Block {
                kind: Some(Kind::List(previous)),
            }) = self.blocks.last_mut()
        {
            previous.items.extend(list.items);
            return;
        }
        self.blocks.push(block(Kind::List(list)));
        self.list_key = key;
    }
}

/// A list: items of text. Nested lists add their items to it.
struct ListCtx {
    ordered: bool,
    items: Vec<pb::ListItem>,
    inline: Inline,
    key: Option<String>,
    deferred: Vec<pb::Block>,
}

impl ListCtx {
    fn flush_item(&mut self) {
        let spans = self.inline.take();
        if !spans.is_empty() {
            let (text, spans) = rich(spans);
            self.items.push(pb::ListItem { text, spans });
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Head,
    Body,
    Foot,
}

/// A cell as collected.
struct CellOut {
    spans: Vec<pb::Span>,
    header: bool,
    col_span: u32,
    row_span: u32,
    align: Option<pb::Alignment>,
}

struct RowOut {
    section: Section,
    /// The row group (the `thead`, `tbody` or `tfoot`): row spans end with it.
    group: NodeId,
    cells: Vec<CellOut>,
}

struct TableCtx {
    caption: String,
    section: Section,
    group: NodeId,
    rows: Vec<RowOut>,
    deferred: Vec<pb::Block>,
}

struct RowCtx {
    section: Section,
    group: NodeId,
    cells: Vec<CellOut>,
    deferred: Vec<pb::Block>,
}

struct CellCtx {
    inline: Inline,
    header: bool,
    col_span: u32,
    row_span: u32,
    align: Option<pb::Alignment>,
    deferred: Vec<pb::Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextPurpose {
    /// A `figcaption`.
    Caption,
    /// A table's `caption`.
    TableCaption,
    /// A quote's `footer` or `cite`.
    Attribution,
}

/// A single-line text: a caption or an attribution.
struct TextCtx {
    purpose: TextPurpose,
    inline: Inline,
    credit: Inline,
    /// How many open elements with a credit class the text is inside.
    in_credit: usize,
    deferred: Vec<pb::Block>,
}

struct PreCtx {
    text: String,
    deferred: Vec<pb::Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmbedKind {
    /// A social post's wrapper (`blockquote.twitter-tweet`, `div.fb-post`, …).
    Post,
    /// WordPress's `div.wp-block-embed__wrapper`: an iframe or a bare URL.
    Wrapper,
    /// A `video` or `audio` element.
    Media(&'static str),
}

struct EmbedCtx {
    kind: EmbedKind,
    /// The address from the element's own attributes.
    url: Option<String>,
    title: String,
    provider_hint: Option<String>,
    /// The usable http(s) links inside, in order.
    anchors: Vec<String>,
    inline: Inline,
    /// Embeds found inside (an iframe in a wrapper).
    inner: Vec<pb::Embed>,
    deferred: Vec<pb::Block>,
}

enum Ctx {
    Flow(Flow),
    List(ListCtx),
    Table(TableCtx),
    Row(RowCtx),
    Cell(CellCtx),
    Text(TextCtx),
    Pre(PreCtx),
    Embed(EmbedCtx),
}

/// What to do when an element closes.
enum Exit {
    /// Nothing: an inline element.
    Inline,
    /// The end of a block-level element: a paragraph ends, or a line in a text container.
    Block,
    /// The end of a heading: restore what the flow collected before.
    Heading(Option<u32>),
    /// The end of a list item or nested list.
    Item,
    /// The end of a `q`: the closing quotation mark.
    Quote,
    /// The end of a credit inside a caption.
    Credit,
    /// The end of a table section: restore the one before.
    Section(Section, NodeId),
    /// Finish the context this element opened.
    Context,
}

/// One open element of the walk.
struct Frame {
    next: Option<NodeId>,
    style: Style,
    exit: Exit,
}

// ---------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------

/// Elements dropped with their content, each counted in a warning.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "template", "noscript", "form", "input", "button", "select", "textarea",
    "option", "optgroup", "datalist", "object", "embed", "applet", "canvas", "frameset", "frame",
    "noembed", "noframes",
];

/// Elements that are no content at all, skipped without a word.
const IGNORED: &[&str] = &[
    "head", "title", "meta", "link", "base", "basefont", "bgsound", "param", "source", "track",
    "wbr", "col", "colgroup", "area",
];

/// Elements a browser lays out as blocks: their edges end a paragraph.
const BLOCK_LEVEL: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "center",
    "details",
    "dialog",
    "dd",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "plaintext",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "ul",
    "xmp",
];

fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name.ns == ns!() && &*a.name.local == name)
        .map(|a| &*a.value)
}

fn classes(attrs: &[Attribute]) -> impl Iterator<Item = &str> {
    attr(attrs, "class").unwrap_or("").split_ascii_whitespace()
}

fn has_class(attrs: &[Attribute], class: &str) -> bool {
    classes(attrs).any(|c| c == class)
}

/// The leading digits of an attribute as a number (`"3"`, `" 2 "`, `"1px"`).
fn leading_number(value: &str) -> Option<u32> {
    let digits: String = value
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    digits.parse().ok()
}

struct Converter<'a> {
    nodes: &'a [Node],
    limits: ImportLimits,
    rules: ClassRules,
    warnings: Warnings,
    ctxs: Vec<Ctx>,
    row_span_steps: usize,
}

impl<'a> Converter<'a> {
    fn new(arena: &'a Arena, limits: ImportLimits) -> Self {
        Self {
            nodes: &arena.0,
            limits,
            rules: ClassRules::default(),
            warnings: Warnings::default(),
            ctxs: vec![Ctx::Flow(Flow::new(FlowKind::Body))],
            row_span_steps: limits
                .max_elements
                .saturating_mul(ROW_SPAN_STEPS_PER_ELEMENT),
        }
    }

    fn node(&self, id: NodeId) -> Option<&'a Node> {
        self.nodes.get(id)
    }

    /// Reads the class rules of every `style` element (Google Docs styles runs by class).
    fn read_stylesheets(&mut self) {
        let nodes = self.nodes;
        for node in nodes {
            let NodeData::Element { name, .. } = &node.data else {
                continue;
            };
            if name.ns != ns!(html) || &*name.local != "style" {
                continue;
            }
            let mut css = String::new();
            let mut child = node.first_child;
            while let Some(id) = child {
                let Some(c) = nodes.get(id) else {
                    break;
                };
                if let NodeData::Text(text) = &c.data {
                    css.push_str(text);
                }
                child = c.next;
            }
            self.rules.read(&css);
        }
    }

    /// Walks the tree from the document, with an explicit stack.
    fn walk(&mut self) -> Result<(), ImportError> {
        let mut stack = vec![Frame {
            next: self.node(0).and_then(|n| n.first_child),
            style: Style::default(),
            exit: Exit::Inline,
        }];
        while let Some(frame) = stack.last_mut() {
            let Some(id) = frame.next else {
                if let Some(frame) = stack.pop() {
                    self.leave(frame);
                }
                continue;
            };
            let Some(node) = self.node(id) else {
                frame.next = None;
                continue;
            };
            frame.next = node.next;
            let style = frame.style.clone();
            match &node.data {
                NodeData::Text(text) => self.text(text, &style),
                NodeData::Element { name, attrs, .. } => {
                    // The document is depth 0, so this element's depth is the stack's length.
                    if stack.len() > self.limits.max_depth {
                        return Err(Refusal::Depth.error(&self.limits));
                    }
                    if let Some(frame) = self.enter(id, node, name, attrs, style) {
                        stack.push(frame);
                    }
                }
                NodeData::Document | NodeData::Fragment => {}
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Imported {
        let mut blocks = Vec::new();
        // Only the body flow is left once the walk is done; anything else (there is none) is
        // finished into it first.
        while let Some(ctx) = self.ctxs.pop() {
            match ctx {
                Ctx::Flow(mut flow) if self.ctxs.is_empty() => {
                    flow.flush();
                    blocks = flow.blocks;
                }
                other => self.finish_ctx(other),
            }
        }
        shift_headings(&mut blocks);
        Imported {
            blocks,
            warnings: self.warnings.into_lines(),
        }
    }

    fn warn(&mut self, kind: Dropped, example: Option<&str>) {
        self.warnings.add(kind, example);
    }

    /// Opens an element: handles it whole (returning `None`) or returns its frame.
    fn enter(
        &mut self,
        id: NodeId,
        node: &Node,
        name: &QualName,
        attrs: &[Attribute],
        inherited: Style,
    ) -> Option<Frame> {
        if name.ns != ns!(html) {
            // Inline SVG and MathML (everything foreign sits inside one of them).
            self.warn(Dropped::Element(name.local.to_string()), None);
            return None;
        }
        let tag: &str = &name.local;
        if IGNORED.contains(&tag) {
            if tag == "source" {
                self.media_source(attrs);
            }
            return None;
        }
        if DROPPED_WITH_CONTENT.contains(&tag) {
            self.warn(Dropped::Element(tag.to_owned()), None);
            return None;
        }
        let declarations = self.declarations(attrs);
        let hidden = declarations.hidden == Some(true) || attr(attrs, "hidden").is_some();
        if tag == "img" {
            self.image(attrs, hidden);
            return None;
        }
        if hidden {
            self.warn(Dropped::Hidden, None);
            return None;
        }
        let style = self.style(tag, attrs, inherited, &declarations);
        let frame = |exit: Exit, style: Style| {
            Some(Frame {
                next: node.first_child,
                style,
                exit,
            })
        };
        let top_is_flow = matches!(self.ctxs.last(), Some(Ctx::Flow(_)));
        match tag {
            "br" => {
                self.line_break();
                None
            }
            "hr" => {
                if top_is_flow {
                    self.emit(block(Kind::Rule(pb::Rule {})));
                }
                None
            }
            "iframe" => {
                self.iframe(attrs);
                None
            }
            "video" | "audio" => {
                let tag = if tag == "video" { "video" } else { "audio" };
                let url = media_url(attrs);
                self.open(Ctx::Embed(EmbedCtx {
                    kind: EmbedKind::Media(tag),
                    url,
                    title: attr(attrs, "title").unwrap_or("").to_owned(),
                    provider_hint: None,
                    anchors: Vec::new(),
                    inline: Inline::default(),
                    inner: Vec::new(),
                    deferred: Vec::new(),
                }));
                frame(Exit::Context, style)
            }
            "a" => {
                if let Some(Ctx::Embed(embed)) = self.ctxs.last_mut()
                    && let Some(url) = attr(attrs, "href").and_then(usable_url)
                {
                    embed.anchors.push(url);
                }
                frame(Exit::Inline, style)
            }
            "q" => {
                self.text("\"", &style);
                frame(Exit::Quote, style)
            }
            "pre" | "xmp" | "listing" | "plaintext" => {
                if matches!(self.ctxs.last(), Some(Ctx::Pre(_))) {
                    return frame(Exit::Inline, style);
                }
                self.open(Ctx::Pre(PreCtx {
                    text: String::new(),
                    deferred: Vec::new(),
                }));
                frame(Exit::Context, style)
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = tag
                    .get(1..)
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(1);
                if let Some(Ctx::Flow(flow)) = self.ctxs.last_mut() {
                    flow.flush();
                    let saved = flow.heading.replace(level);
                    return frame(Exit::Heading(saved), style);
                }
                self.boundary();
                frame(Exit::Block, style)
            }
            "ul" | "ol" => match self.ctxs.last_mut() {
                Some(Ctx::Flow(flow)) => {
                    flow.flush();
                    self.open(Ctx::List(ListCtx {
                        ordered: tag == "ol",
                        items: Vec::new(),
                        inline: Inline::default(),
                        key: google_docs_list(attrs),
                        deferred: Vec::new(),
                    }));
                    frame(Exit::Context, style)
                }
                Some(Ctx::List(list)) => {
                    list.flush_item();
                    frame(Exit::Item, style)
                }
                _ => {
                    self.boundary();
                    frame(Exit::Block, style)
                }
            },
            "li" => {
                if let Some(Ctx::List(list)) = self.ctxs.last_mut() {
                    list.flush_item();
                    return frame(Exit::Item, style);
                }
                self.boundary();
                frame(Exit::Block, style)
            }
            "blockquote" if embed_provider_class(attrs).is_some() => {
                self.open_post(attrs, post_url(attrs));
                frame(Exit::Context, style)
            }
            "blockquote" if top_is_flow => {
                self.boundary();
                self.open(Ctx::Flow(Flow::new(FlowKind::Quote {
                    node: id,
                    attribution: String::new(),
                    cite: attr(attrs, "cite").unwrap_or("").trim().to_owned(),
                })));
                frame(Exit::Context, style)
            }
            "figure" => {
                self.boundary();
                self.open(Ctx::Flow(Flow::new(FlowKind::Figure {
                    caption: String::new(),
                    credit: String::new(),
                    dropped_image: false,
                })));
                frame(Exit::Context, style)
            }
            "figcaption"
                if matches!(
                    self.ctxs.last(),
                    Some(Ctx::Flow(Flow {
                        kind: FlowKind::Figure { .. },
                        ..
                    }))
                ) =>
            {
                self.boundary();
                self.open_text(TextPurpose::Caption);
                frame(Exit::Context, style)
            }
            "table" => {
                self.boundary();
                self.open(Ctx::Table(TableCtx {
                    caption: String::new(),
                    section: Section::Body,
                    group: id,
                    rows: Vec::new(),
                    deferred: Vec::new(),
                }));
                frame(Exit::Context, style)
            }
            "caption" if matches!(self.ctxs.last(), Some(Ctx::Table(_))) => {
                self.open_text(TextPurpose::TableCaption);
                frame(Exit::Context, style)
            }
            "thead" | "tbody" | "tfoot" if matches!(self.ctxs.last(), Some(Ctx::Table(_))) => {
                let section = match tag {
                    "thead" => Section::Head,
                    "tfoot" => Section::Foot,
                    _ => Section::Body,
                };
                if let Some(Ctx::Table(table)) = self.ctxs.last_mut() {
                    let saved = (table.section, table.group);
                    table.section = section;
                    table.group = id;
                    return frame(Exit::Section(saved.0, saved.1), style);
                }
                frame(Exit::Inline, style)
            }
            "tr" if matches!(self.ctxs.last(), Some(Ctx::Table(_))) => {
                let (section, group) = match self.ctxs.last() {
                    Some(Ctx::Table(t)) => (t.section, t.group),
                    _ => (Section::Body, id),
                };
                self.open(Ctx::Row(RowCtx {
                    section,
                    group,
                    cells: Vec::new(),
                    deferred: Vec::new(),
                }));
                frame(Exit::Context, style)
            }
            "td" | "th" if matches!(self.ctxs.last(), Some(Ctx::Row(_))) => {
                let col_span = attr(attrs, "colspan")
                    .and_then(leading_number)
                    .unwrap_or(1)
                    .clamp(1, MAX_COL_SPAN);
                let row_span = match attr(attrs, "rowspan").and_then(leading_number) {
                    Some(0) => MAX_ROW_SPAN,
                    Some(n) => n.min(MAX_ROW_SPAN),
                    None => 1,
                };
                let align = attr(attrs, "align")
                    .and_then(alignment)
                    .or(declarations.align);
                self.open(Ctx::Cell(CellCtx {
                    inline: Inline::default(),
                    header: tag == "th",
                    col_span,
                    row_span,
                    align,
                    deferred: Vec::new(),
                }));
                frame(Exit::Context, style)
            }
            "aside" if top_is_flow => {
                self.boundary();
                self.open(Ctx::Flow(Flow::new(FlowKind::Aside)));
                frame(Exit::Context, style)
            }
            "div" if has_class(attrs, "wp-block-embed__wrapper") => {
                let hint = node
                    .parent
                    .and_then(|p| self.node(p))
                    .and_then(|p| match &p.data {
                        NodeData::Element { attrs, .. } => wordpress_provider(attrs),
                        _ => None,
                    });
                self.boundary();
                self.open(Ctx::Embed(EmbedCtx {
                    kind: EmbedKind::Wrapper,
                    url: None,
                    title: String::new(),
                    provider_hint: hint,
                    anchors: Vec::new(),
                    inline: Inline::default(),
                    inner: Vec::new(),
                    deferred: Vec::new(),
                }));
                frame(Exit::Context, style)
            }
            "div"
                if embed_provider_class(attrs).is_some() && attr(attrs, "data-href").is_some() =>
            {
                self.open_post(attrs, attr(attrs, "data-href").and_then(usable_url));
                frame(Exit::Context, style)
            }
            "footer" | "cite" if self.is_attribution(node) => {
                self.open_text(TextPurpose::Attribution);
                frame(Exit::Context, style)
            }
            _ => {
                if let Some(Ctx::Text(text)) = self.ctxs.last_mut()
                    && text.purpose == TextPurpose::Caption
                    && classes(attrs).any(|c| c.to_ascii_lowercase().contains("credit"))
                {
                    text.in_credit += 1;
                    return frame(Exit::Credit, style);
                }
                if BLOCK_LEVEL.contains(&tag) {
                    self.boundary();
                    frame(Exit::Block, style)
                } else {
                    frame(Exit::Inline, style)
                }
            }
        }
    }

    /// Closes an element.
    fn leave(&mut self, frame: Frame) {
        match frame.exit {
            Exit::Inline => {}
            Exit::Block => self.boundary(),
            Exit::Heading(saved) => {
                if let Some(Ctx::Flow(flow)) = self.ctxs.last_mut() {
                    flow.flush();
                    flow.heading = saved;
                }
            }
            Exit::Item => {
                if let Some(Ctx::List(list)) = self.ctxs.last_mut() {
                    list.flush_item();
                }
            }
            Exit::Quote => self.text("\"", &frame.style),
            Exit::Credit => {
                if let Some(Ctx::Text(text)) = self.ctxs.last_mut() {
                    text.in_credit = text.in_credit.saturating_sub(1);
                }
            }
            Exit::Section(section, group) => {
                if let Some(Ctx::Table(table)) = self.ctxs.last_mut() {
                    table.section = section;
                    table.group = group;
                }
            }
            Exit::Context => {
                if let Some(ctx) = self.ctxs.pop() {
                    self.finish_ctx(ctx);
                }
            }
        }
    }

    fn open(&mut self, ctx: Ctx) {
        self.ctxs.push(ctx);
    }

    fn open_text(&mut self, purpose: TextPurpose) {
        self.open(Ctx::Text(TextCtx {
            purpose,
            inline: Inline::default(),
            credit: Inline::default(),
            in_credit: 0,
            deferred: Vec::new(),
        }));
    }

    fn open_post(&mut self, attrs: &[Attribute], url: Option<String>) {
        self.boundary();
        self.open(Ctx::Embed(EmbedCtx {
            kind: EmbedKind::Post,
            url,
            title: attr(attrs, "title").unwrap_or("").trim().to_owned(),
            provider_hint: embed_provider_class(attrs).map(str::to_owned),
            anchors: Vec::new(),
            inline: Inline::default(),
            inner: Vec::new(),
            deferred: Vec::new(),
        }));
    }

    /// Whether `node` (a `footer` or `cite`) is a direct child of the quote being built.
    fn is_attribution(&self, node: &Node) -> bool {
        matches!(
            self.ctxs.last(),
            Some(Ctx::Flow(Flow { kind: FlowKind::Quote { node: quote, .. }, .. }))
                if node.parent == Some(*quote)
        )
    }

    /// The declarations of an element's classes, then of its `style` attribute.
    fn declarations(&self, attrs: &[Attribute]) -> Declarations {
        let from_classes = match attr(attrs, "class") {
            Some(classes) => self.rules.of(classes),
            None => Declarations::default(),
        };
        match attr(attrs, "style") {
            Some(style) => from_classes.then(parse_declarations(style)),
            None => from_classes,
        }
    }

    /// The style an element's children inherit.
    fn style(
        &mut self,
        tag: &str,
        attrs: &[Attribute],
        inherited: Style,
        declarations: &Declarations,
    ) -> Style {
        let mut style = inherited;
        match tag {
            "em" | "i" | "cite" | "dfn" | "var" => style.emphasis = true,
            "strong" | "b" => style.strong = true,
            "code" | "kbd" | "samp" | "tt" => style.code = true,
            "a" => {
                if let Some(href) = attr(attrs, "href") {
                    style.link = self.link(href);
                }
            }
            _ => {}
        }
        style.strong = declarations.strong.unwrap_or(style.strong);
        style.emphasis = declarations.emphasis.unwrap_or(style.emphasis);
        style.code = declarations.code.unwrap_or(style.code);
        style
    }

    /// A link target, or `None` for a script link (counted) or an empty one.
    fn link(&mut self, href: &str) -> Option<Rc<str>> {
        let href = href.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
        if href.is_empty() {
            return None;
        }
        // Browsers ignore tabs and line feeds inside a scheme ("java\tscript:").
        let scheme: String = href
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .take(12)
            .collect::<String>()
            .to_ascii_lowercase();
        if scheme.starts_with("javascript:") || scheme.starts_with("vbscript:") {
            self.warn(Dropped::ScriptLink, None);
            return None;
        }
        Some(unwrap_redirect(href).into())
    }

    // --- text -----------------------------------------------------------------------------

    fn text(&mut self, text: &str, style: &Style) {
        match self.ctxs.last_mut() {
            Some(Ctx::Flow(flow)) => {
                // Two line breaks in a row in running text separate paragraphs.
                if flow.heading.is_none()
                    && flow.inline.breaks >= 2
                    && text.chars().any(|c| !is_html_space(c))
                {
                    flow.flush();
                }
                flow.inline.text(text, style);
            }
            Some(Ctx::List(list)) => list.inline.text(text, style),
            Some(Ctx::Cell(cell)) => cell.inline.text(text, style),
            Some(Ctx::Text(t)) => {
                if t.in_credit > 0 {
                    t.credit.text(text, style);
                } else {
                    t.inline.text(text, style);
                }
            }
            Some(Ctx::Pre(pre)) => pre.text.push_str(text),
            Some(Ctx::Embed(embed)) => {
                if !matches!(embed.kind, EmbedKind::Media(_)) {
                    embed.inline.text(text, style);
                }
            }
            Some(Ctx::Table(_) | Ctx::Row(_)) | None => {}
        }
    }

    fn line_break(&mut self) {
        match self.ctxs.last_mut() {
            Some(Ctx::Flow(flow)) => flow.inline.line_break(),
            Some(Ctx::List(list)) => list.inline.line_break(),
            Some(Ctx::Cell(cell)) => cell.inline.line_break(),
            Some(Ctx::Text(t)) => {
                if t.in_credit > 0 {
                    t.credit.line_break();
                } else {
                    t.inline.line_break();
                }
            }
            Some(Ctx::Pre(pre)) => pre.text.push('\n'),
            Some(Ctx::Embed(embed)) => embed.inline.line_break(),
            Some(Ctx::Table(_) | Ctx::Row(_)) | None => {}
        }
    }

    /// The edge of a block-level element.
    fn boundary(&mut self) {
        match self.ctxs.last_mut() {
            Some(Ctx::Flow(flow)) => flow.flush(),
            Some(Ctx::List(list)) => list.inline.boundary(),
            Some(Ctx::Cell(cell)) => cell.inline.boundary(),
            Some(Ctx::Text(t)) => {
                if t.in_credit > 0 {
                    t.credit.boundary();
                } else {
                    t.inline.boundary();
                }
            }
            Some(Ctx::Pre(pre)) => {
                if !pre.text.is_empty() && !pre.text.ends_with('\n') {
                    pre.text.push('\n');
                }
            }
            Some(Ctx::Embed(embed)) => embed.inline.boundary(),
            Some(Ctx::Table(_) | Ctx::Row(_)) | None => {}
        }
    }

    // --- blocks ---------------------------------------------------------------------------

    /// Hands a finished block to the context on top: a flow takes it in order; an embed
    /// wrapper takes an embed as its own; any other context emits it after itself.
    fn emit(&mut self, block: pb::Block) {
        match self.ctxs.last_mut() {
            Some(Ctx::Flow(flow)) => flow.push(block),
            Some(Ctx::Embed(embed)) => match block.kind {
                Some(Kind::Embed(inner)) => embed.inner.push(inner),
                kind => embed.deferred.push(pb::Block { kind }),
            },
            Some(Ctx::List(c)) => c.deferred.push(block),
            Some(Ctx::Table(c)) => c.deferred.push(block),
            Some(Ctx::Row(c)) => c.deferred.push(block),
            Some(Ctx::Cell(c)) => c.deferred.push(block),
            Some(Ctx::Text(c)) => c.deferred.push(block),
            Some(Ctx::Pre(c)) => c.deferred.push(block),
            None => {}
        }
    }

    fn emit_all(&mut self, blocks: Vec<pb::Block>) {
        for block in blocks {
            self.emit(block);
        }
    }

    fn finish_ctx(&mut self, ctx: Ctx) {
        match ctx {
            Ctx::Flow(flow) => self.finish_flow(flow),
            Ctx::List(mut list) => {
                list.flush_item();
                if !list.items.is_empty() {
                    let items = pb::List {
                        ordered: list.ordered,
                        items: list.items,
                    };
                    match self.ctxs.last_mut() {
                        Some(Ctx::Flow(flow)) => flow.push_list(items, list.key),
                        _ => self.emit(block(Kind::List(items))),
                    }
                }
                self.emit_all(list.deferred);
            }
            Ctx::Table(table) => {
                let deferred = self.table_deferred(table);
                self.emit_all(deferred);
            }
            Ctx::Row(row) => {
                if let Some(Ctx::Table(table)) = self.ctxs.last_mut() {
                    table.rows.push(RowOut {
                        section: row.section,
                        group: row.group,
                        cells: row.cells,
                    });
                }
                self.emit_all(row.deferred);
            }
            Ctx::Cell(mut cell) => {
                if cell.row_span > 1 {
                    self.warn(Dropped::RowSpan, None);
                }
                if let Some(Ctx::Row(row)) = self.ctxs.last_mut() {
                    row.cells.push(CellOut {
                        spans: cell.inline.take(),
                        header: cell.header,
                        col_span: cell.col_span,
                        row_span: cell.row_span,
                        align: cell.align,
                    });
                }
                self.emit_all(cell.deferred);
            }
            Ctx::Text(mut t) => {
                let text = t.inline.take_plain();
                let credit = t.credit.take_plain();
                self.deliver_text(t.purpose, text, credit);
                self.emit_all(t.deferred);
            }
            Ctx::Pre(mut pre) => {
                // A browser shows no empty line for the line feed that ends the text.
                if pre.text.ends_with('\n') {
                    pre.text.pop();
                }
                if pre.text.chars().any(|c| !c.is_whitespace()) {
                    self.emit(block(Kind::Preformatted(pb::Preformatted {
                        text: pre.text,
                    })));
                }
                self.emit_all(pre.deferred);
            }
            Ctx::Embed(embed) => self.finish_embed(embed),
        }
    }

    /// Builds a finished table, emits it, and returns the blocks kept aside inside it.
    fn table_deferred(&mut self, table: TableCtx) -> Vec<pb::Block> {
        let TableCtx {
            caption,
            rows,
            deferred,
            ..
        } = table;
        if let Some(table) = self.build_table(caption, rows) {
            self.emit(block(Kind::Table(table)));
        }
        deferred
    }

    /// Gives a caption or attribution to the context it belongs to.
    fn deliver_text(&mut self, purpose: TextPurpose, text: String, credit: String) {
        let join = |into: &mut String, text: &str| {
            if text.is_empty() {
                return;
            }
            if !into.is_empty() {
                into.push(' ');
            }
            into.push_str(text);
        };
        match (purpose, self.ctxs.last_mut()) {
            (
                TextPurpose::Caption,
                Some(Ctx::Flow(Flow {
                    kind:
                        FlowKind::Figure {
                            caption: c,
                            credit: r,
                            ..
                        },
                    ..
                })),
            ) => {
                join(c, &text);
                join(r, &credit);
            }
            (TextPurpose::TableCaption, Some(Ctx::Table(table))) => join(&mut table.caption, &text),
            (
                TextPurpose::Attribution,
                Some(Ctx::Flow(Flow {
                    kind: FlowKind::Quote { attribution, .. },
                    ..
                })),
            ) => {
                let text = text.trim_start_matches(['—', '–', '―', '-', '~', ' ', '\u{a0}']);
                join(attribution, text);
            }
            _ => {
                let mut all = text;
                join(&mut all, &credit);
                if !all.is_empty() {
                    self.emit(text_paragraph(all));
                }
            }
        }
    }

    fn finish_flow(&mut self, mut flow: Flow) {
        flow.flush();
        match flow.kind {
            FlowKind::Body => self.emit_all(flow.blocks),
            FlowKind::Quote {
                attribution, cite, ..
            } => self.finish_quote(flow.blocks, attribution, cite),
            FlowKind::Aside => self.finish_aside(flow.blocks),
            FlowKind::Figure {
                caption,
                credit,
                dropped_image,
            } => self.finish_figure(flow.blocks, caption, credit, dropped_image),
        }
    }

    fn finish_quote(&mut self, blocks: Vec<pb::Block>, attribution: String, cite: String) {
        let mut paragraphs = Vec::new();
        let mut after = Vec::new();
        for b in blocks {
            match b.kind {
                Some(Kind::Paragraph(p)) => paragraphs.push(p),
                Some(Kind::Heading(h)) => paragraphs.push(pb::Paragraph {
                    text: h.text,
                    spans: h.spans,
                }),
                Some(Kind::List(list)) => {
                    paragraphs.extend(list.items.into_iter().map(|i| pb::Paragraph {
                        text: i.text,
                        spans: i.spans,
                    }))
                }
                Some(Kind::Quote(inner)) => {
                    paragraphs.extend(inner.paragraphs);
                    if !inner.attribution.is_empty() {
                        paragraphs.push(pb::Paragraph {
                            text: inner.attribution,
                            spans: Vec::new(),
                        });
                    }
                }
                kind => after.push(pb::Block { kind }),
            }
        }
        // The attribute is the source's address by the HTML spec, but CMSs put names in it
        // too; either way it is the best attribution there is when no element gives one.
        let attribution = if attribution.is_empty() {
            cite
        } else {
            attribution
        };
        if paragraphs.is_empty() {
            if !attribution.is_empty() {
                self.emit(text_paragraph(attribution));
            }
        } else {
            self.emit(block(Kind::Quote(pb::Quote {
                paragraphs,
                attribution,
            })));
        }
        self.emit_all(after);
    }

    fn finish_aside(&mut self, blocks: Vec<pb::Block>) {
        // Asides do not nest: an inner one gives its title as a bold line and its blocks.
        let mut flat = Vec::with_capacity(blocks.len());
        for b in blocks {
            match b.kind {
                Some(Kind::Aside(inner)) => {
                    if !inner.title.is_empty() {
                        flat.push(block(Kind::Paragraph(pb::Paragraph {
                            text: String::new(),
                            spans: vec![pb::Span {
                                text: inner.title,
                                strong: true,
                                ..pb::Span::default()
                            }],
                        })));
                    }
                    flat.extend(inner.blocks);
                }
                kind => flat.push(pb::Block { kind }),
            }
        }
        let heading = flat
            .iter()
            .position(|b| matches!(b.kind, Some(Kind::Heading(_))))
            .map(|i| flat.remove(i));
        if flat.is_empty() {
            if let Some(heading) = heading {
                self.emit(heading);
            }
            return;
        }
        let title = match heading.and_then(|h| h.kind) {
            Some(Kind::Heading(h)) if h.spans.is_empty() => h.text,
            Some(Kind::Heading(h)) => plain(&h.spans),
            _ => String::new(),
        };
        self.emit(block(Kind::Aside(pb::Aside {
            title,
            blocks: flat,
        })));
    }

    fn finish_figure(
        &mut self,
        mut blocks: Vec<pb::Block>,
        caption: String,
        credit: String,
        dropped_image: bool,
    ) {
        if !caption.is_empty() || !credit.is_empty() {
            let mut placed = false;
            for b in &mut blocks {
                match &mut b.kind {
                    Some(Kind::Figure(figure)) if figure.caption.is_empty() => {
                        figure.caption = caption.clone();
                        if figure.credit.is_empty() {
                            figure.credit = credit.clone();
                        }
                    }
                    Some(Kind::Table(table)) if table.caption.is_empty() => {
                        table.caption = caption.clone();
                        if table.credit.is_empty() {
                            table.credit = credit.clone();
                        }
                    }
                    Some(Kind::Embed(embed)) if embed.description.is_empty() => {
                        embed.description = caption.clone();
                    }
                    Some(Kind::Quote(quote)) if quote.attribution.is_empty() => {
                        quote.attribution = caption
                            .trim_start_matches(['—', '–', '―', '-', '~', ' ', '\u{a0}'])
                            .to_owned();
                    }
                    _ => continue,
                }
                placed = true;
                break;
            }
            // A caption whose image was dropped goes with it (the warning says so); any
            // other caption is text, and text is kept.
            if !placed && !dropped_image {
                let mut all = caption;
                if !credit.is_empty() {
                    if !all.is_empty() {
                        all.push(' ');
                    }
                    all.push_str(&credit);
                }
                blocks.push(text_paragraph(all));
            }
        }
        self.emit_all(blocks);
    }

    // --- images and embeds ----------------------------------------------------------------

    fn image(&mut self, attrs: &[Attribute], hidden: bool) {
        let src = attr(attrs, "src").unwrap_or("").trim();
        // Lazy loaders keep the real address in a data attribute and a blank GIF in `src`.
        let lazy = ["data-src", "data-lazy-src", "data-original"]
            .iter()
            .filter_map(|name| attr(attrs, name))
            .map(str::trim)
            .find(|value| !value.is_empty() && !is_data_uri(value));
        let shown = lazy.unwrap_or(src);
        let tiny = |name: &str| {
            attr(attrs, name)
                .and_then(leading_number)
                .is_some_and(|n| n <= 1)
        };
        if hidden || (tiny("width") && tiny("height")) {
            let example = (!is_data_uri(shown) && !shown.is_empty()).then_some(shown);
            self.warn(Dropped::TrackingPixel, example);
            self.mark_dropped_image();
            return;
        }
        if lazy.is_none() && is_data_uri(src) {
            match decode_data_uri(src) {
                Some((media_type, data))
                    if SUPPORTED_IMAGE_TYPES.contains(&media_type.as_str()) =>
                {
                    self.emit(block(Kind::Figure(pb::Figure {
                        image: Some(pb::Image {
                            data: data.into(),
                            media_type,
                            alt_text: attr(attrs, "alt").unwrap_or("").to_owned(),
                        }),
                        caption: String::new(),
                        credit: String::new(),
                    })));
                    return;
                }
                Some((media_type, _)) => {
                    self.warn(Dropped::UnsupportedImage, Some(&media_type));
                }
                None => self.warn(Dropped::UndecodableImage, None),
            }
        } else if shown.is_empty() {
            self.warn(Dropped::ImageWithoutSource, None);
        } else {
            self.warn(Dropped::RemoteImage, Some(shown));
        }
        self.mark_dropped_image();
    }

    fn mark_dropped_image(&mut self) {
        if let Some(Ctx::Flow(Flow {
            kind: FlowKind::Figure { dropped_image, .. },
            ..
        })) = self.ctxs.last_mut()
        {
            *dropped_image = true;
        }
    }

    fn iframe(&mut self, attrs: &[Attribute]) {
        match media_url(attrs) {
            Some(url) => {
                let provider = provider(&url, None);
                self.emit(block(Kind::Embed(pb::Embed {
                    url,
                    title: attr(attrs, "title").unwrap_or("").trim().to_owned(),
                    provider,
                    description: String::new(),
                })));
            }
            None => self.warn(Dropped::MediaWithoutUrl("iframe".into()), None),
        }
    }

    /// A `source` element: an address for the `video` or `audio` it is in.
    fn media_source(&mut self, attrs: &[Attribute]) {
        if let Some(Ctx::Embed(embed)) = self.ctxs.last_mut()
            && matches!(embed.kind, EmbedKind::Media(_))
            && embed.url.is_none()
        {
            embed.url = media_url(attrs);
        }
    }

    fn finish_embed(&mut self, mut embed: EmbedCtx) {
        let hint = embed.provider_hint.take();
        let text = embed.inline.take_plain();
        match embed.kind {
            EmbedKind::Media(tag) => match embed.url {
                Some(url) => {
                    let provider = provider(&url, None);
                    self.emit(block(Kind::Embed(pb::Embed {
                        url,
                        title: embed.title,
                        provider,
                        description: String::new(),
                    })));
                }
                None => self.warn(Dropped::MediaWithoutUrl(tag.into()), None),
            },
            EmbedKind::Wrapper => {
                if !embed.inner.is_empty() {
                    for mut inner in embed.inner {
                        if let Some(hint) = &hint
                            && provider_for_host(&inner.url).is_none()
                        {
                            inner.provider.clone_from(hint);
                        }
                        self.emit(block(Kind::Embed(inner)));
                    }
                } else if !text.contains(char::is_whitespace)
                    && let Some(url) = usable_url(&text)
                {
                    let url = canonical_embed_url(&url);
                    let provider = provider(&url, hint.as_deref());
                    self.emit(block(Kind::Embed(pb::Embed {
                        url,
                        title: String::new(),
                        provider,
                        description: String::new(),
                    })));
                } else if !text.is_empty() {
                    self.emit(text_paragraph(text));
                }
            }
            EmbedKind::Post => {
                let permalink = embed
                    .anchors
                    .iter()
                    .find(|url| is_permalink(url))
                    .or(embed.anchors.first())
                    .cloned();
                match embed.url.or(permalink) {
                    Some(url) => {
                        let provider = provider(&url, hint.as_deref());
                        self.emit(block(Kind::Embed(pb::Embed {
                            url,
                            title: embed.title,
                            provider,
                            description: text,
                        })));
                    }
                    None if !embed.inner.is_empty() => {
                        for inner in embed.inner {
                            self.emit(block(Kind::Embed(inner)));
                        }
                    }
                    None => {
                        self.warn(Dropped::PostWithoutUrl, None);
                        if !text.is_empty() {
                            self.emit(text_paragraph(text));
                        }
                    }
                }
            }
        }
        self.emit_all(embed.deferred);
    }

    // --- tables ---------------------------------------------------------------------------

    /// Lays out the rows of a table: row spans leave empty cells in the rows they cover, short
    /// rows are padded, header rows found, column alignment read.
    fn build_table(&mut self, caption: String, rows: Vec<RowOut>) -> Option<pb::Table> {
        /// A run of columns covered by a cell from a row above.
        struct Covered {
            start: usize,
            width: usize,
            remaining: u32,
        }
        struct Laid {
            section: Section,
            all_header: bool,
            cells: Vec<pb::TableCell>,
            /// Where each real cell starts, with its alignment (cells of one column only).
            aligned: Vec<(usize, pb::Alignment)>,
            width: usize,
        }
        fn empty_cell(width: usize) -> pb::TableCell {
            pb::TableCell {
                text: String::new(),
                spans: Vec::new(),
                col_span: (width > 1).then(|| u32::try_from(width).unwrap_or(u32::MAX)),
            }
        }

        let mut laid: Vec<Laid> = Vec::with_capacity(rows.len());
        let mut active: Vec<Covered> = Vec::new();
        let mut group = None;
        for row in rows {
            if group != Some(row.group) {
                active.clear();
                group = Some(row.group);
            }
            self.row_span_steps = self.row_span_steps.saturating_sub(active.len() + 1);
            if self.row_span_steps == 0 {
                active.clear();
            }
            let mut cells = Vec::with_capacity(row.cells.len() + 1);
            let mut aligned = Vec::new();
            let mut col = 0usize;
            let mut pending_empty = 0usize;
            let mut next_covered = 0usize;
            let mut new_covered = Vec::new();
            let all_header = !row.cells.is_empty() && row.cells.iter().all(|c| c.header);
            let has_real = !row.cells.is_empty();
            for cell in row.cells {
                // Skip the columns covered from above that start here.
                while let Some(covered) = active.get(next_covered) {
                    if covered.start > col {
                        break;
                    }
                    if covered.start == col {
                        pending_empty += covered.width;
                        col += covered.width;
                    }
                    next_covered += 1;
                }
                if pending_empty > 0 {
                    cells.push(empty_cell(pending_empty));
                    pending_empty = 0;
                }
                let width = cell.col_span as usize;
                if let Some(align) = cell.align
                    && width == 1
                {
                    aligned.push((col, align));
                }
                if cell.row_span > 1 && self.row_span_steps > 0 {
                    new_covered.push(Covered {
                        start: col,
                        width,
                        remaining: cell.row_span - 1,
                    });
                }
                let (text, spans) = rich(cell.spans);
                cells.push(pb::TableCell {
                    text,
                    spans,
                    col_span: (cell.col_span > 1).then_some(cell.col_span),
                });
                col += width;
            }
            // Columns covered after the last cell of this row, with the gaps between them.
            while let Some(covered) = active.get(next_covered) {
                if covered.start >= col {
                    pending_empty += covered.start - col + covered.width;
                    col = covered.start + covered.width;
                }
                next_covered += 1;
            }
            if pending_empty > 0 {
                cells.push(empty_cell(pending_empty));
            }
            let covered_any = !active.is_empty();
            for covered in &mut active {
                covered.remaining -= 1;
            }
            active.retain(|c| c.remaining > 0);
            active.extend(new_covered);
            active.sort_by_key(|c| c.start);
            // A row without cells of its own or from above takes no room in a browser.
            if has_real || covered_any {
                laid.push(Laid {
                    section: row.section,
                    all_header,
                    cells,
                    aligned,
                    width: col,
                });
            }
        }
        let columns = laid.iter().map(|r| r.width).max().unwrap_or(0);
        if columns == 0 {
            return None;
        }
        let mut column_alignment = Vec::new();
        if columns <= MAX_ALIGNED_COLUMNS {
            let mut found: Vec<Option<pb::Alignment>> = vec![None; columns];
            let ordered = laid
                .iter()
                .filter(|r| r.section == Section::Head)
                .chain(laid.iter().filter(|r| r.section != Section::Head));
            for row in ordered {
                for (col, align) in &row.aligned {
                    if let Some(slot @ None) = found.get_mut(*col) {
                        *slot = Some(*align);
                    }
                }
            }
            let used = found.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
            column_alignment = found
                .into_iter()
                .take(used)
                .map(|a| a.unwrap_or(pb::Alignment::Unspecified) as i32)
                .collect();
        }
        let has_head = laid.iter().any(|r| r.section == Section::Head);
        let mut header_rows = Vec::new();
        let mut body = Vec::new();
        let mut foot = Vec::new();
        let mut leading = true;
        for mut row in laid {
            if row.width < columns {
                row.cells.push(empty_cell(columns - row.width));
            }
            let cells = pb::TableRow { cells: row.cells };
            match row.section {
                Section::Head => header_rows.push(cells),
                Section::Foot => foot.push(cells),
                Section::Body => {
                    // Without a `thead`, leading rows of header cells are the header.
                    if !has_head && leading && row.all_header {
                        header_rows.push(cells);
                    } else {
                        leading = false;
                        body.push(cells);
                    }
                }
            }
        }
        body.extend(foot);
        Some(pb::Table {
            caption,
            credit: String::new(),
            header_rows,
            rows: body,
            column_alignment,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Addresses, images and providers
// ---------------------------------------------------------------------------------------------

/// The media types of `data:` images kept; an empty one is left for the edge to read from the
/// data.
const SUPPORTED_IMAGE_TYPES: &[&str] = &[
    "",
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/gif",
    "image/webp",
];

fn is_data_uri(src: &str) -> bool {
    src.get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
}

/// Base64 as the `data:` URL rules read it: padding optional.
const FORGIVING_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The same for the URL-safe alphabet, which some encoders use.
const FORGIVING_BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes a `data:` URI into its media type (lowercase, without parameters) and bytes: the
/// body is percent-decoded, then base64-decoded if the header ends in `;base64`.
fn decode_data_uri(uri: &str) -> Option<(String, Vec<u8>)> {
    let rest = uri.trim().get(5..)?;
    let (header, body) = rest.split_once(',')?;
    let media_type = header
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let base64 = header.contains(';')
        && header
            .rsplit(';')
            .next()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("base64"));
    let bytes = percent_decode(body);
    if !base64 {
        return Some((media_type, bytes));
    }
    let compact: Vec<u8> = bytes
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let data = FORGIVING_BASE64
        .decode(&compact)
        .or_else(|_| FORGIVING_BASE64_URL.decode(&compact))
        .ok()?;
    Some((media_type, data))
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(value) = u8::from_str_radix(hex, 16)
        {
            out.push(value);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// An absolute http or https address, from an attribute or text; `//host/…` is taken as https.
fn usable_url(raw: &str) -> Option<String> {
    let trimmed = raw.trim_matches(is_html_space);
    let owned = if trimmed.starts_with("//") {
        format!("https:{trimmed}")
    } else {
        trimmed.to_owned()
    };
    let parsed = url::Url::parse(&owned).ok()?;
    (matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty()))
    .then_some(owned)
}

/// The address of an `iframe`, `video`, `audio` or `source`: `src`, else a lazy loader's.
fn media_url(attrs: &[Attribute]) -> Option<String> {
    ["src", "data-src", "data-lazy-src"]
        .iter()
        .filter_map(|name| attr(attrs, name))
        .find_map(usable_url)
        .map(|url| canonical_embed_url(&url))
}

/// A player address as the page a reader can open: YouTube's and Vimeo's embed players become
/// their watch pages.
fn canonical_embed_url(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    let host = parsed.host_str().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let path = parsed.path();
    let is_id = |id: &str| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if matches!(
        host,
        "youtube.com" | "m.youtube.com" | "youtube-nocookie.com"
    ) && let Some(id) = path.strip_prefix("/embed/")
        && is_id(id)
    {
        return format!("https://www.youtube.com/watch?v={id}");
    }
    if host == "player.vimeo.com"
        && let Some(id) = path.strip_prefix("/video/")
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit())
    {
        return format!("https://vimeo.com/{id}");
    }
    url.to_owned()
}

/// Google Docs sends every link through `https://www.google.com/url?q=TARGET&…`; the target is
/// what the author linked.
fn unwrap_redirect(href: &str) -> String {
    if let Ok(parsed) = url::Url::parse(href)
        && matches!(parsed.host_str(), Some("www.google.com" | "google.com"))
        && parsed.path() == "/url"
        && let Some((_, target)) = parsed.query_pairs().find(|(k, _)| k == "q" || k == "url")
        && usable_url(&target).is_some()
    {
        return target.into_owned();
    }
    href.to_owned()
}

/// Hosts and the names of the services behind them.
const PROVIDERS: &[(&str, &str)] = &[
    ("youtube.com", "YouTube"),
    ("youtu.be", "YouTube"),
    ("youtube-nocookie.com", "YouTube"),
    ("vimeo.com", "Vimeo"),
    ("twitter.com", "X"),
    ("x.com", "X"),
    ("instagram.com", "Instagram"),
    ("facebook.com", "Facebook"),
    ("fb.watch", "Facebook"),
    ("tiktok.com", "TikTok"),
    ("threads.net", "Threads"),
    ("threads.com", "Threads"),
    ("bsky.app", "Bluesky"),
    ("reddit.com", "Reddit"),
    ("linkedin.com", "LinkedIn"),
    ("soundcloud.com", "SoundCloud"),
    ("spotify.com", "Spotify"),
    ("dailymotion.com", "Dailymotion"),
    ("dai.ly", "Dailymotion"),
    ("twitch.tv", "Twitch"),
    ("flickr.com", "Flickr"),
    ("giphy.com", "GIPHY"),
    ("datawrapper.de", "Datawrapper"),
    ("dwcdn.net", "Datawrapper"),
    ("flourish.studio", "Flourish"),
];

/// The service behind an address's host, if it is a known one.
fn provider_for_host(url: &str) -> Option<&'static str> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    PROVIDERS.iter().find_map(|(domain, name)| {
        let matches = host == *domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.'));
        matches.then_some(*name)
    })
}

/// The provider of an embed: a known host's service, else the wrapper's hint, else the host.
fn provider(url: &str, hint: Option<&str>) -> String {
    if let Some(name) = provider_for_host(url) {
        return name.to_owned();
    }
    if let Some(hint) = hint {
        return hint.to_owned();
    }
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.strip_prefix("www.").unwrap_or(h).to_owned())
        })
        .unwrap_or_default()
}

/// The provider a post wrapper's class names.
fn embed_provider_class(attrs: &[Attribute]) -> Option<&'static str> {
    classes(attrs).find_map(|class| match class {
        "twitter-tweet" | "twitter-video" => Some("X"),
        "instagram-media" => Some("Instagram"),
        "tiktok-embed" => Some("TikTok"),
        "fb-post" | "fb-video" => Some("Facebook"),
        "reddit-embed-bq" => Some("Reddit"),
        "text-post-media" => Some("Threads"),
        "bluesky-embed" => Some("Bluesky"),
        _ => None,
    })
}

/// The address a post wrapper names in its own attributes.
fn post_url(attrs: &[Attribute]) -> Option<String> {
    ["data-instgrm-permalink", "data-href", "cite"]
        .iter()
        .filter_map(|name| attr(attrs, name))
        .find_map(usable_url)
}

/// Whether an address is a post's own page rather than a link inside its text.
fn is_permalink(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        let path = u.path();
        ["/status/", "/p/", "/reel/", "/video/", "/posts/", "/post/"]
            .iter()
            .any(|part| path.contains(part))
    })
}

/// The provider a WordPress embed block names in its classes (`is-provider-youtube`).
fn wordpress_provider(attrs: &[Attribute]) -> Option<String> {
    let slug = classes(attrs).find_map(|c| {
        c.strip_prefix("is-provider-")
            .or_else(|| c.strip_prefix("wp-block-embed-"))
            .filter(|s| !s.is_empty())
    })?;
    let name = match slug {
        "youtube" => "YouTube",
        "vimeo" => "Vimeo",
        "twitter" | "x" => "X",
        "instagram" => "Instagram",
        "facebook" => "Facebook",
        "tiktok" => "TikTok",
        "spotify" => "Spotify",
        "soundcloud" => "SoundCloud",
        "dailymotion" => "Dailymotion",
        "reddit" => "Reddit",
        "flickr" => "Flickr",
        other => {
            let mut chars = other.chars();
            return chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect());
        }
    };
    Some(name.to_owned())
}

/// The list a Google Docs `ul`/`ol` belongs to: `lst-kix_abc-1` is level 1 of list `abc`.
fn google_docs_list(attrs: &[Attribute]) -> Option<String> {
    classes(attrs)
        .find(|c| c.starts_with("lst-kix_"))
        .map(|c| match c.rsplit_once('-') {
            Some((key, level)) if level.chars().all(|d| d.is_ascii_digit()) => key.to_owned(),
            _ => c.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/html/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn imported(body: &str) -> Imported {
        import(body, &ImportLimits::default()).expect("the body is within the limits")
    }

    fn blocks(body: &str) -> Vec<pb::Block> {
        imported(body).blocks
    }

    fn kind_name(block: &pb::Block) -> &'static str {
        match &block.kind {
            Some(Kind::Paragraph(_)) => "paragraph",
            Some(Kind::Heading(_)) => "heading",
            Some(Kind::Quote(_)) => "quote",
            Some(Kind::List(_)) => "list",
            Some(Kind::Figure(_)) => "figure",
            Some(Kind::Preformatted(_)) => "preformatted",
            Some(Kind::Rule(_)) => "rule",
            Some(Kind::Table(_)) => "table",
            Some(Kind::Aside(_)) => "aside",
            Some(Kind::Embed(_)) => "embed",
            None => "none",
        }
    }

    fn kinds(blocks: &[pb::Block]) -> Vec<&'static str> {
        blocks.iter().map(kind_name).collect()
    }

    /// The text of a paragraph, heading or list item, spans joined.
    fn text_of(text: &str, spans: &[pb::Span]) -> String {
        if spans.is_empty() {
            text.to_owned()
        } else {
            spans.iter().map(|s| s.text.as_str()).collect()
        }
    }

    fn paragraph_texts(blocks: &[pb::Block]) -> Vec<String> {
        blocks
            .iter()
            .filter_map(|b| match &b.kind {
                Some(Kind::Paragraph(p)) => Some(text_of(&p.text, &p.spans)),
                _ => None,
            })
            .collect()
    }

    fn only(blocks: &[pb::Block]) -> &Kind {
        assert_eq!(blocks.len(), 1, "{blocks:#?}");
        blocks[0].kind.as_ref().expect("a block has a kind")
    }

    fn table(body: &str) -> pb::Table {
        match only(&blocks(body)) {
            Kind::Table(t) => t.clone(),
            other => panic!("not a table: {other:?}"),
        }
    }

    fn cell_texts(row: &pb::TableRow) -> Vec<(String, Option<u32>)> {
        row.cells
            .iter()
            .map(|c| (text_of(&c.text, &c.spans), c.col_span))
            .collect()
    }

    fn span(text: &str) -> pb::Span {
        pb::Span {
            text: text.into(),
            ..pb::Span::default()
        }
    }

    // --- fixtures -------------------------------------------------------------------------

    #[test]
    fn wordpress_post_gives_its_blocks_in_order() {
        let out = imported(&fixture("wordpress.html"));
        assert_eq!(
            kinds(&out.blocks),
            [
                "paragraph",
                "figure",
                "paragraph",
                "heading",
                "paragraph",
                "list",
                "quote",
                "paragraph",
                "table",
                "embed",
                "aside",
                "rule",
                "heading",
                "paragraph",
                "embed",
                "paragraph",
                "paragraph",
            ]
        );
        let Some(Kind::Figure(figure)) = &out.blocks[1].kind else {
            panic!("not a figure");
        };
        let image = figure.image.as_ref().expect("the figure has its image");
        assert!(image.data.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(image.media_type, "image/png");
        assert_eq!(
            image.alt_text,
            "Vladimir Putin greets Steve Witkoff in the Kremlin"
        );
        assert_eq!(
            figure.caption,
            "Russian President Vladimir Putin meets U.S. envoy Steve Witkoff at the Kremlin in Moscow."
        );
        assert_eq!(figure.credit, "Sputnik/Kristina Kormilitsyna via Reuters");

        let levels: Vec<_> = out
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                Some(Kind::Heading(h)) => h.level,
                _ => None,
            })
            .collect();
        assert_eq!(levels, [1, 2], "h2 and h3 become levels 1 and 2");

        let Some(Kind::List(list)) = &out.blocks[5].kind else {
            panic!("not a list");
        };
        assert_eq!(list.items.len(), 5, "the nested list is flattened into it");

        let Some(Kind::Quote(quote)) = &out.blocks[6].kind else {
            panic!("not a quote");
        };
        assert_eq!(
            quote.attribution,
            "Vladimir Putin, on certain European powers"
        );

        let Some(Kind::Table(table)) = &out.blocks[8].kind else {
            panic!("not a table");
        };
        assert_eq!(
            table.caption,
            "Estimates cited by U.S. officials & independent analysts"
        );
        assert_eq!(table.header_rows.len(), 1);
        assert_eq!(table.rows.len(), 4);
        assert_eq!(
            table.column_alignment,
            [pb::Alignment::Unspecified as i32, pb::Alignment::End as i32]
        );
        assert_eq!(table.rows[3].cells[0].col_span, Some(2));

        let Some(Kind::Embed(video)) = &out.blocks[9].kind else {
            panic!("not an embed");
        };
        assert_eq!(video.url, "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
        assert_eq!(video.provider, "YouTube");
        assert_eq!(
            video.title,
            "Putin meets Witkoff and Kushner in the Kremlin"
        );
        assert_eq!(
            video.description,
            "Video: the talks ran late into the Moscow night"
        );

        let Some(Kind::Aside(aside)) = &out.blocks[10].kind else {
            panic!("not an aside");
        };
        assert_eq!(aside.title, "Key facts");
        assert_eq!(kinds(&aside.blocks), ["paragraph"]);

        let Some(Kind::Embed(post)) = &out.blocks[14].kind else {
            panic!("not an embed");
        };
        assert!(
            post.url
                .starts_with("https://twitter.com/KremlinRussia_E/status/")
        );
        assert_eq!(post.provider, "X");
        assert!(post.description.starts_with("Vladimir Putin held talks"));
    }

    #[test]
    fn wordpress_post_keeps_no_script_style_or_handler_text() {
        let out = imported(&fixture("wordpress.html"));
        let everything = format!("{:?}", out.blocks);
        for needle in [
            "adsbygoogle",
            "document.write",
            "ADVERTISEMENT",
            "ga(",
            "trackImage",
            "navigator",
            "prefetch",
            "javascript",
            "window.open",
            "validate",
            "Subscribe",
            "Share this",
            "widgets.js",
            "stats.example.com",
            "float:left",
            "font-size",
            "facebook.com/tr",
            "wp:paragraph",
        ] {
            assert!(
                !everything.contains(needle),
                "{needle:?} survived: {everything}"
            );
        }
        assert!(
            everything.contains("Post to X"),
            "a script link's text stays"
        );
    }

    #[test]
    fn wordpress_post_reports_what_it_dropped() {
        let warnings = imported(&fixture("wordpress.html")).warnings;
        assert_eq!(
            warnings,
            [
                "dropped 3 script elements",
                "dropped 1 button element",
                "removed 1 javascript: link; the text is kept",
                "dropped 1 form element",
                "dropped 1 noscript element",
                "dropped 1 tracking pixel (https://tracker.example.com/pixel.gif)",
            ]
        );
    }

    #[test]
    fn google_docs_export_gives_the_blocks_of_the_clean_equivalent() {
        let export = imported(&fixture("google-docs.html"));
        let clean = imported(&fixture("google-docs-clean.html"));
        assert_eq!(export.blocks, clean.blocks);
        assert_eq!(
            kinds(&export.blocks),
            [
                "paragraph",
                "heading",
                "paragraph",
                "paragraph",
                "list",
                "heading",
                "table",
                "paragraph",
                "paragraph",
            ]
        );
        let everything = format!("{:?}", export.blocks);
        assert!(
            !everything.contains("google.com/url"),
            "redirects are unwrapped"
        );
        assert!(
            everything.contains("strong: true"),
            "class and inline bold are read"
        );
        assert!(
            everything.contains("emphasis: true"),
            "class italics are read"
        );
    }

    // --- limits ---------------------------------------------------------------------------

    #[test]
    fn refuses_two_hundred_thousand_nested_divs_quickly() {
        let body = "<div>".repeat(200_000);
        let start = Instant::now();
        let error = import(&body, &ImportLimits::default()).expect_err("a bomb is refused");
        assert!(error.reason.contains("256"), "{error}");
        // About 20 ms in a debug build: parsing stops within a few kilobytes of the limit.
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn refuses_a_million_empty_paragraphs_at_the_element_limit() {
        let body = "<p></p>".repeat(1_000_000);
        let start = Instant::now();
        let error = import(&body, &ImportLimits::default()).expect_err("over the element limit");
        assert!(error.reason.contains("200000 elements"), "{error}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn empty_paragraphs_within_the_limits_give_no_blocks() {
        let out = imported(&"<p></p>".repeat(10_000));
        assert!(out.blocks.is_empty());
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn deep_nesting_within_the_limits_is_imported() {
        // 250 levels of div, plus html and body: 252 of the 256 allowed.
        let body = format!("{}deep text{}", "<div>".repeat(250), "</div>".repeat(250));
        assert_eq!(paragraph_texts(&blocks(&body)), ["deep text"]);

        let quotes = format!(
            "{}<p>said</p>{}",
            "<blockquote>".repeat(120),
            "</blockquote>".repeat(120)
        );
        assert_eq!(kinds(&blocks(&quotes)), ["quote"]);

        let lists = format!(
            "{}<li>item{}",
            "<ul><li>".repeat(100),
            "</li></ul>".repeat(100)
        );
        match only(&blocks(&lists)) {
            Kind::List(list) => assert_eq!(list.items.len(), 1),
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn limits_are_configurable() {
        let limits = ImportLimits {
            max_depth: 10,
            max_elements: 50,
        };
        assert!(import(&"<div>".repeat(9), &limits).is_err());
        assert!(import(&"<div>".repeat(7), &limits).is_ok());
        assert!(import(&"<br>".repeat(60), &limits).is_err());
        assert!(import(&"<br>".repeat(40), &limits).is_ok());
    }

    #[test]
    fn misnested_formatting_is_bounded() {
        // The adoption agency and formatting reconstruction make elements of their own; they
        // count against the limits like any other.
        let body: String = (0..20_000).map(|i| format!("<p><b id={i}>x")).collect();
        assert!(import(&body, &ImportLimits::default()).is_err());
        let body = "<b><i></b></i>x".repeat(1_000);
        assert!(import(&body, &ImportLimits::default()).is_ok());
    }

    // --- mapping --------------------------------------------------------------------------

    #[test]
    fn heading_levels_shift_so_the_smallest_is_one_and_cap_at_five() {
        let levels = |body: &str| -> Vec<Option<u32>> {
            blocks(body)
                .iter()
                .filter_map(|b| match &b.kind {
                    Some(Kind::Heading(h)) => Some(h.level),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            levels("<h3>a</h3><h4>b</h4><h6>c</h6>"),
            [Some(1), Some(2), Some(4)]
        );
        assert_eq!(levels("<h1>a</h1><h6>b</h6>"), [Some(1), Some(5)]);
        assert_eq!(
            levels("<h2>a</h2><aside><h2>Facts</h2><h3>b</h3><p>x</p></aside>"),
            Vec::<Option<u32>>::from([Some(1)]),
            "the aside's first heading is its title"
        );
    }

    #[test]
    fn br_is_a_line_separator_and_two_end_a_paragraph() {
        assert_eq!(paragraph_texts(&blocks("<p>a<br>b</p>")), ["a\u{2028}b"]);
        assert_eq!(
            paragraph_texts(&blocks("<p>a <br/>\n b<br></p>")),
            ["a\u{2028}b"]
        );
        assert_eq!(
            paragraph_texts(&blocks("<div>one<br><br>two</div>")),
            ["one", "two"]
        );
        match only(&blocks("<ul><li>a<br>b</li></ul>")) {
            Kind::List(list) => assert_eq!(list.items[0].text, "a\u{2028}b"),
            other => panic!("{other:?}"),
        }
        let pre = blocks("<pre>a<br>b</pre>");
        assert!(matches!(only(&pre), Kind::Preformatted(p) if p.text == "a\nb"));
    }

    #[test]
    fn whitespace_follows_html_rules() {
        let out = blocks("<p>\n  Putin \t met\n<b> Kushner </b> and&nbsp; Witkoff  </p>");
        match only(&out) {
            Kind::Paragraph(p) => assert_eq!(
                p.spans,
                [
                    span("Putin met "),
                    pb::Span {
                        strong: true,
                        ..span("Kushner ")
                    },
                    span("and\u{a0} Witkoff"),
                ]
            ),
            other => panic!("{other:?}"),
        }
        let pre = blocks("<pre>\n  fn main() {\n\tprintln!();\n  }\n</pre>");
        assert!(
            matches!(only(&pre), Kind::Preformatted(p) if p.text == "  fn main() {\n\tprintln!();\n  }"),
            "{pre:?}"
        );
    }

    #[test]
    fn entities_are_decoded() {
        let out = blocks(
            "<p>Putin&rsquo;s &ldquo;talks&rdquo; &amp; &lt;more&gt; &#8212; caf&eacute; &#x1F642;&nbsp;!</p>",
        );
        assert_eq!(
            paragraph_texts(&out),
            ["Putin’s “talks” & <more> — café 🙂\u{a0}!"]
        );
    }

    #[test]
    fn text_outside_paragraphs_becomes_paragraphs() {
        let out = blocks(
            "loose text<div>in a div</div>more <span>text</span><section><p>para</p>tail</section>",
        );
        assert_eq!(
            paragraph_texts(&out),
            ["loose text", "in a div", "more text", "para", "tail"]
        );
    }

    #[test]
    fn inline_formatting_becomes_spans() {
        let out = blocks(
            "<p><a href='https://example.com/a' onclick='x()'>link</a> <em>em</em> <i>i</i> \
             <strong>s</strong> <b>b</b> <code>c</code> H<sub>2</sub>O x<sup>2</sup> \
             <del>gone</del> <q>quoted</q></p>",
        );
        let Kind::Paragraph(p) = only(&out) else {
            panic!("{out:?}");
        };
        let text: String = p.spans.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text, "link em i s b c H2O x2 gone \"quoted\"");
        assert_eq!(p.spans[0].link, "https://example.com/a");
        for (text, emphasis, strong) in [
            ("em", true, false),
            ("i", true, false),
            ("s", false, true),
            ("b", false, true),
        ] {
            assert!(
                p.spans
                    .iter()
                    .any(|s| s.text == text && s.emphasis == emphasis && s.strong == strong),
                "{text}: {:?}",
                p.spans
            );
        }
        assert!(p.spans.iter().any(|s| s.code && s.text == "c"));
    }

    #[test]
    fn script_links_are_removed_and_their_text_kept() {
        let out = imported(
            "<p><a href='javascript:alert(1)'>one</a> <a href=' JaVa\tScRiPt:alert(1)'>two</a> \
             <a href='vbscript:x'>three</a> <a href='mailto:desk@example.com'>four</a></p>",
        );
        let Kind::Paragraph(p) = only(&out.blocks) else {
            panic!("{out:?}");
        };
        assert_eq!(p.spans[0], span("one two three "));
        assert_eq!(p.spans[1].link, "mailto:desk@example.com");
        assert_eq!(
            out.warnings,
            ["removed 3 javascript: links; the text is kept"]
        );
    }

    #[test]
    fn google_docs_styles_become_strong_and_emphasis() {
        let styled = blocks(
            "<b style=\"font-weight:normal;\" id=\"docs-internal-guid-1a2b3c\"><p dir=\"ltr\">\
             <span style=\"font-weight:400;font-style:normal\">plain </span>\
             <span style=\"font-weight:700\">bold</span>\
             <span style=\"font-style:italic;font-weight:400\"> italic</span>\
             <span style=\"font-family:'Courier New',monospace\"> code</span></p></b>",
        );
        let clean = blocks("<p>plain <strong>bold</strong><em> italic</em><code> code</code></p>");
        assert_eq!(styled, clean);
    }

    #[test]
    fn class_rules_are_read_from_style_elements() {
        let styled = blocks(
            "<style>/* theme */ @media print { .c1 { font-weight: 400 } } \
             .c1{font-weight:700} .c2, .c3 {font-style: italic !important} p.c4{font-weight:700}</style>\
             <p><span class=\"c1\">bold</span> <span class=\"c2\">italic</span> <span class=\"c4\">plain</span></p>",
        );
        let clean = blocks("<p><b>bold</b> <i>italic</i> plain</p>");
        assert_eq!(styled, clean);
    }

    #[test]
    fn quotes_take_their_attribution() {
        let out = blocks(
            "<blockquote cite=\"https://kremlin.ru/events/1\"><p>One.</p><p>Two.</p></blockquote>\
             <blockquote><p>Three.</p><footer>— <cite>Yuri Ushakov</cite></footer></blockquote>\
             <figure><blockquote><p>Four.</p></blockquote><figcaption>—Steve Witkoff</figcaption></figure>",
        );
        let quotes: Vec<_> = out
            .iter()
            .map(|b| match &b.kind {
                Some(Kind::Quote(q)) => (q.paragraphs.len(), q.attribution.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            quotes,
            [
                (2, "https://kremlin.ru/events/1".to_owned()),
                (1, "Yuri Ushakov".to_owned()),
                (1, "Steve Witkoff".to_owned()),
            ]
        );
    }

    #[test]
    fn nested_lists_are_flattened_with_their_text() {
        let out = blocks(
            "<ol><li><p>first</p><p>second line</p></li><li>parent<ul><li>child</li></ul>after</li></ol>",
        );
        match only(&out) {
            Kind::List(list) => {
                assert!(list.ordered);
                let items: Vec<_> = list.items.iter().map(|i| i.text.as_str()).collect();
                assert_eq!(
                    items,
                    ["first\u{2028}second line", "parent", "child", "after"]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tables_keep_colspan_and_fill_rowspan() {
        let t = table(
            "<table><caption>Results</caption><thead><tr><th>Region</th><th colspan=2>Votes</th></tr></thead>\
             <tbody><tr><td rowspan=2>North</td><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr>\
             <tr><td>South</td></tr></tbody></table>",
        );
        assert_eq!(t.caption, "Results");
        assert_eq!(
            cell_texts(&t.header_rows[0]),
            [("Region".into(), None), ("Votes".into(), Some(2))]
        );
        let rows: Vec<_> = t.rows.iter().map(cell_texts).collect();
        assert_eq!(
            rows,
            [
                vec![
                    ("North".into(), None),
                    ("1".into(), None),
                    ("2".into(), None)
                ],
                vec![
                    (String::new(), None),
                    ("3".into(), None),
                    ("4".into(), None)
                ],
                vec![("South".into(), None), (String::new(), Some(2))],
            ]
        );
    }

    #[test]
    fn tables_find_header_rows_and_alignment() {
        let t = table(
            "<table><tr><th align=left>Name</th><th style='text-align: center'>Party</th>\
             <th align=right>Share</th></tr><tr><td>A</td><td>B</td><td>51%</td></tr></table>",
        );
        assert_eq!(
            t.header_rows.len(),
            1,
            "a leading row of th cells is the header"
        );
        assert_eq!(t.rows.len(), 1);
        assert_eq!(
            t.column_alignment,
            [
                pb::Alignment::Start as i32,
                pb::Alignment::Center as i32,
                pb::Alignment::End as i32
            ]
        );
        let t = table(
            "<table><tr><td><p>a</p><p>b</p></td><td><ul><li>x</li><li>y</li></ul></td></tr></table>",
        );
        assert_eq!(
            cell_texts(&t.rows[0]),
            [("a\u{2028}b".into(), None), ("x\u{2028}y".into(), None)]
        );
    }

    #[test]
    fn data_images_are_decoded_and_remote_ones_dropped() {
        let gif = "data:image/gif,GIF89a%01%00%01%00%00%00%00;";
        let out = imported(&format!(
            "<img src='{gif}' alt='percent-encoded'>\
             <figure><img src='https://cdn.example.com/putin.jpg'><figcaption>Gone with it</figcaption></figure>\
             <img src='/wp-content/uploads/map.png'>\
             <img src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==' data-src='https://cdn.example.com/lazy.jpg'>\
             <img src='data:image/svg+xml;base64,PHN2Zz48L3N2Zz4='>\
             <img src='data:image/png;base64,@@@@'>"
        ));
        match only(&out.blocks) {
            Kind::Figure(f) => {
                let image = f.image.as_ref().expect("an image");
                assert_eq!(&image.data[..], b"GIF89a\x01\x00\x01\x00\x00\x00\x00;");
                assert_eq!(image.media_type, "image/gif");
                assert_eq!(image.alt_text, "percent-encoded");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            out.warnings,
            [
                "dropped 3 remote images (https://cdn.example.com/putin.jpg, \
                 /wp-content/uploads/map.png, https://cdn.example.com/lazy.jpg); \
                 images must be data: URIs",
                "dropped 1 image of an unsupported type (image/svg+xml); images must be PNG, JPEG, GIF or WebP",
                "dropped 1 image whose data: URI does not decode",
            ]
        );
    }

    #[test]
    fn images_inside_paragraphs_split_them() {
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAGElEQVR42mPQ0NA4ceIEhGSAs4AkA04ZAElSFoGX15HaAAAAAElFTkSuQmCC";
        let out = blocks(&format!("<p>before <img src='{png}'> after</p>"));
        assert_eq!(kinds(&out), ["paragraph", "figure", "paragraph"]);
        assert_eq!(paragraph_texts(&out), ["before", "after"]);
    }

    #[test]
    fn embeds_take_their_url_title_and_provider() {
        let out = imported(
            "<iframe src='https://player.vimeo.com/video/76979871?h=8272103f6e' title='The talks'></iframe>\
             <iframe src='//www.youtube-nocookie.com/embed/abc_DEF-123'></iframe>\
             <blockquote class='instagram-media' data-instgrm-permalink='https://www.instagram.com/p/C0abc/?utm_source=ig_embed'>\
             <a href='https://www.instagram.com/p/C0abc/'>View this post on Instagram</a></blockquote>\
             <div class='fb-post' data-href='https://www.facebook.com/kremlin/posts/123'><blockquote>Text</blockquote></div>\
             <blockquote class='tiktok-embed' cite='https://www.tiktok.com/@user/video/7300000000000000000'><section>clip</section></blockquote>\
             <video controls title='Red Square'><source src='https://media.example.com/red-square.mp4' type='video/mp4'>Your browser cannot play it.</video>\
             <figure class='wp-block-embed is-provider-spotify'><div class='wp-block-embed__wrapper'>\n\
             https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk\n</div></figure>\
             <iframe></iframe><iframe src='javascript:alert(1)'></iframe><video src='clip.mp4'></video>",
        );
        let embeds: Vec<_> = out
            .blocks
            .iter()
            .map(|b| match &b.kind {
                Some(Kind::Embed(e)) => (e.url.as_str(), e.provider.as_str(), e.title.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            embeds,
            [
                ("https://vimeo.com/76979871", "Vimeo", "The talks"),
                ("https://www.youtube.com/watch?v=abc_DEF-123", "YouTube", ""),
                (
                    "https://www.instagram.com/p/C0abc/?utm_source=ig_embed",
                    "Instagram",
                    ""
                ),
                ("https://www.facebook.com/kremlin/posts/123", "Facebook", ""),
                (
                    "https://www.tiktok.com/@user/video/7300000000000000000",
                    "TikTok",
                    ""
                ),
                (
                    "https://media.example.com/red-square.mp4",
                    "media.example.com",
                    "Red Square"
                ),
                (
                    "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
                    "Spotify",
                    ""
                ),
            ]
        );
        assert_eq!(
            out.warnings,
            [
                "dropped 2 iframe elements without a usable URL",
                "dropped 1 video element without a usable URL",
            ]
        );
    }

    #[test]
    fn posts_without_an_address_keep_their_text_and_pixels_go() {
        let out = imported(
            "<blockquote class='twitter-tweet'><p>Talks ended at 1 a.m.</p>&mdash; A reporter</blockquote>\
             <img src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==' width=1 height=1>\
             <img src='https://ads.example.com/imp?id=1' style='display:none'>",
        );
        assert_eq!(
            paragraph_texts(&out.blocks),
            ["Talks ended at 1 a.m. — A reporter"]
        );
        assert_eq!(
            out.warnings,
            [
                "found 1 embedded post without a usable URL; the text is kept as a paragraph",
                "dropped 2 tracking pixels (https://ads.example.com/imp?id=1)",
            ]
        );
    }

    #[test]
    fn dangerous_and_invisible_content_is_dropped_with_a_count() {
        let out = imported(
            "<p onclick='steal()' onmouseover='steal()'>kept</p>\
             <script>steal()</script><script src='x.js'></script><style>p{color:red}</style>\
             <template><p>inert</p></template><noscript><p>fallback</p></noscript>\
             <form><input value='secret'><textarea>typed</textarea></form><select><option>o</option></select>\
             <svg><text>chart label</text></svg><math><mi>x</mi></math>\
             <p hidden>hidden one</p><div style='display: none'>hidden two</div><!-- a comment -->\
             <object data='x.swf'>flash</object><embed src='x.swf'><canvas>drawing</canvas>",
        );
        assert_eq!(paragraph_texts(&out.blocks), ["kept"]);
        assert_eq!(
            out.warnings,
            [
                "dropped 2 script elements",
                "dropped 1 style element",
                "dropped 1 template element",
                "dropped 1 noscript element",
                "dropped 1 form element",
                "dropped 1 select element",
                "dropped 1 svg element",
                "dropped 1 math element",
                "dropped 2 hidden elements",
                "dropped 1 object element",
                "dropped 1 embed element",
                "dropped 1 canvas element",
            ]
        );
    }

    #[test]
    fn asides_take_their_first_heading_as_title_and_do_not_nest() {
        let out = blocks(
            "<aside><h4>What we know</h4><ul><li>one</li></ul>\
             <aside><h5>Inner</h5><p>two</p></aside></aside>",
        );
        match only(&out) {
            Kind::Aside(aside) => {
                assert_eq!(aside.title, "What we know");
                assert_eq!(kinds(&aside.blocks), ["list", "paragraph", "paragraph"]);
                assert_eq!(
                    paragraph_texts(&aside.blocks),
                    ["Inner", "two"],
                    "the inner aside's title is a bold line"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn blocks_inside_list_items_follow_the_list() {
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAGElEQVR42mPQ0NA4ceIEhGSAs4AkA04ZAElSFoGX15HaAAAAAElFTkSuQmCC";
        let out = blocks(&format!(
            "<ul><li>one <img src='{png}'></li><li>two<pre>code</pre></li></ul><p>after</p>"
        ));
        assert_eq!(kinds(&out), ["list", "figure", "preformatted", "paragraph"]);
    }

    #[test]
    fn google_docs_split_lists_are_joined_and_others_are_not() {
        let out = blocks(
            "<ul class='lst-kix_a-0 start'><li>a</li></ul><ul class='lst-kix_a-1 start'><li>b</li></ul>\
             <ul class='lst-kix_a-0'><li>c</li></ul><ul><li>d</li></ul><ul><li>e</li></ul>",
        );
        let sizes: Vec<_> = out
            .iter()
            .map(|b| match &b.kind {
                Some(Kind::List(l)) => l.items.len(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sizes, [3, 1, 1]);
    }

    #[test]
    fn data_uri_decoding_follows_the_fetch_rules() {
        assert_eq!(
            decode_data_uri("data:image/PNG;charset=x;base64, aGk =\n"),
            Some(("image/png".into(), b"hi".to_vec()))
        );
        assert_eq!(
            decode_data_uri("data:,a%20b"),
            Some((String::new(), b"a b".to_vec()))
        );
        assert_eq!(
            decode_data_uri("DATA:image/gif;base64,aGk"),
            Some(("image/gif".into(), b"hi".to_vec()))
        );
        assert_eq!(decode_data_uri("data:image/png;base64"), None);
    }

    #[test]
    fn redirects_and_providers() {
        assert_eq!(
            unwrap_redirect("https://www.google.com/url?q=https://example.com/a%3Fb%3D1&sa=D"),
            "https://example.com/a?b=1"
        );
        assert_eq!(
            unwrap_redirect("https://www.google.com/url?q=javascript:x"),
            "https://www.google.com/url?q=javascript:x"
        );
        assert_eq!(provider("https://m.youtube.com/watch?v=x", None), "YouTube");
        assert_eq!(provider("https://x.com/a/status/1", Some("Twitter")), "X");
        assert_eq!(provider("https://notx.com/a", None), "notx.com");
        assert_eq!(
            provider("https://cdn.example.org/a", Some("Example")),
            "Example"
        );
    }
}
