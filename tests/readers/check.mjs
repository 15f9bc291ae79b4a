#!/usr/bin/env node
// Opens EPUBs in real reading-system engines (foliate-js and epub.js) and, optionally, checks
// them with DAISY Ace, all in ONE headless Chromium launched once. It reports what it saw as
// JSON; it judges nothing. The Rust tests (tests/readers.rs) decide what is a defect.
//
//   node check.mjs [options] OUT.json BOOK.epub...
//
//   --ace DIR            also run Ace on every book, in the same browser; writes
//                        DIR/NAME/report.json (+ report.html) and books.NAME.ace in OUT.json
//   --no-readers         skip foliate-js and epub.js (Ace only)
//   --node-modules DIR   where foliate-js, epubjs, jszip, puppeteer-core and @daisy/ace are
//                        (default: the node_modules next to this script)
//   --chromium PATH      the browser (default: $CHROMIUM, else /usr/bin/chromium)
//   --timeout SECONDS    per book and engine (default: 30)
//
// Exit status: 0 when the harness did its job, whatever the books are like (an EPUB that does
// not open is a result, not a failure); 1 when the harness itself failed (bad arguments, no
// browser, a bug here).
//
// Nothing leaves the machine: the pages are served from 127.0.0.1, Chromium runs with a dead
// proxy and a host resolver that knows no names, and any request to another host is aborted
// (and recorded as `blockedRequests`, since a book must not reach for the network).

import http from 'node:http'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { Timeout, errorText, launchChromium, loadModules, newWatchedPage, sleep, withTimeout } from './browser.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))

// ---------------------------------------------------------------------------- arguments

function usage(message) {
    if (message) process.stderr.write(`check.mjs: ${message}\n`)
    process.stderr.write('usage: node check.mjs [--ace DIR] [--no-readers] [--node-modules DIR] '
        + '[--chromium PATH] [--timeout SECONDS] OUT.json BOOK.epub...\n')
    process.exit(1)
}

const opts = {
    ace: null,
    readers: true,
    nodeModules: path.join(here, 'node_modules'),
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    timeoutMs: 30_000,
}
const positional = []
{
    const argv = process.argv.slice(2)
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]
        const value = () => {
            if (i + 1 >= argv.length) usage(`${a} needs a value`)
            return argv[++i]
        }
        if (a === '--ace') opts.ace = path.resolve(value())
        else if (a === '--no-readers') opts.readers = false
        else if (a === '--node-modules') opts.nodeModules = path.resolve(value())
        else if (a === '--chromium') opts.chromium = value()
        else if (a === '--timeout') opts.timeoutMs = Math.round(Number(value()) * 1000)
        else if (a === '-h' || a === '--help') usage()
        else if (a.startsWith('--')) usage(`unknown option ${a}`)
        else positional.push(a)
    }
}
if (positional.length < 2) usage('OUT.json and at least one book are required')
if (!(opts.timeoutMs > 0)) usage('--timeout must be a positive number of seconds')
const outPath = path.resolve(positional[0])
const books = []
for (const file of positional.slice(1)) {
    const abs = path.resolve(file)
    if (!fs.existsSync(abs)) usage(`no such book: ${file}`)
    const name = path.basename(abs).replace(/\.epub$/i, '')
    if (books.some(b => b.name === name)) usage(`two books are named ${name}`)
    books.push({ name, file: abs })
}
if (!fs.existsSync(opts.chromium)) usage(`no browser at ${opts.chromium} (set CHROMIUM or --chromium)`)

// Everything is loaded from --node-modules, so a shared install elsewhere works too.
const nm = opts.nodeModules
const { require: requireNM, version: pkgVersion, puppeteer } = loadModules(nm, usage)
const foliateRoot = path.join(nm, 'foliate-js')
const epubjsDist = path.join(nm, 'epubjs', 'dist', 'epub.min.js')
const jszipDist = path.join(nm, 'jszip', 'dist', 'jszip.min.js')
if (opts.readers) for (const f of [path.join(foliateRoot, 'reader.html'), epubjsDist, jszipDist])
    if (!fs.existsSync(f)) usage(`missing ${f}; run npm ci in ${path.dirname(nm)}`)

// ---------------------------------------------------------------------------- helpers

const log = message => process.stderr.write(`check.mjs: ${message}\n`)

// ---------------------------------------------------------------------------- the server

const MIME = {
    '.html': 'text/html; charset=utf-8', '.xhtml': 'application/xhtml+xml; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
    '.png': 'image/png', '.wasm': 'application/wasm', '.epub': 'application/epub+zip',
}

// A page that opens a book with epub.js the way an app embeds it: ePub(url), renderTo,
// display. It collects what epub.js exposes and any error it raises, into window.result.
const EPUBJS_PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>epub.js</title>
<script>
window.harnessErrors = []
addEventListener('error', e => harnessErrors.push('error: ' + (e.message || e.type)))
addEventListener('unhandledrejection', e => harnessErrors.push('unhandledrejection: ' + (e.reason && (e.reason.message || e.reason))))
</script>
<script src="jszip.min.js"></script>
<script src="epub.min.js"></script>
<style>html,body{margin:0} #viewer{width:800px;height:1000px}</style>
</head><body><div id="viewer"></div>
<script>
const flatten = (items, depth = 0, out = []) => {
    for (const item of items || []) {
        out.push({ label: (item.label || '').trim(), href: item.href || null, depth })
        flatten(item.subitems, depth + 1, out)
    }
    return out
}
window.run = async (url, tocCap) => {
    const r = { opened: false }
    const book = ePub(url, { openAs: 'epub' })
    // epub.js reports a book it cannot open only through an event; book.opened never settles.
    const failed = new Promise((_, reject) => book.on('openFailed', e =>
        reject(new Error('openFailed: ' + (e && e.message || e)))))
    const rendition = book.renderTo('viewer', { width: 800, height: 1000 })
    await Promise.race([book.opened, failed])
    const md = await book.loaded.metadata
    r.metadata = JSON.parse(JSON.stringify(md || {}))
    r.title = md && md.title || null
    r.direction = md && md.direction || null
    const nav = await book.loaded.navigation
    r.toc = flatten(nav && nav.toc)
    r.spine = (book.spine && book.spine.spineItems || []).map(s => s.href)
    await rendition.display()
    r.opened = true
    const here = () => {
        const loc = rendition.currentLocation()
        return loc && loc.start ? loc.start.href : null
    }
    r.firstLocation = here()
    r.tocNavigation = []
    for (const entry of r.toc.slice(0, tocCap)) {
        const nav = { href: entry.href }
        try {
            await rendition.display(entry.href)
            nav.loadedHref = here()
            const fragment = entry.href && entry.href.includes('#') ? entry.href.split('#')[1] : null
            nav.fragment = fragment
            if (fragment) {
                const contents = rendition.getContents()
                nav.fragmentFound = contents.some(c => !!c.document.getElementById(decodeURIComponent(fragment)))
            }
        } catch (e) {
            nav.error = String(e && e.message || e)
        }
        r.tocNavigation.push(nav)
    }
    return r
}
</script></body></html>`

function startServer() {
    const routes = [
        ['/foliate/', foliateRoot],
        ['/epubjs/jszip.min.js', jszipDist],
        ['/epubjs/epub.min.js', epubjsDist],
    ]
    const server = http.createServer(async (req, res) => {
        try {
            const url = new URL(req.url, 'http://127.0.0.1')
            const p = decodeURIComponent(url.pathname)
            let file = null
            if (p === '/favicon.ico') { res.writeHead(204).end(); return }
            if (p === '/epubjs/index.html') {
                res.writeHead(200, { 'content-type': MIME['.html'], 'cache-control': 'no-store' })
                res.end(EPUBJS_PAGE)
                return
            }
            if (p.startsWith('/books/')) {
                const book = books.find(b => `/books/${b.name}.epub` === p)
                if (book) file = book.file
            } else {
                for (const [prefix, target] of routes) {
                    if (prefix.endsWith('/') && p.startsWith(prefix)) {
                        const candidate = path.resolve(target, '.' + p.slice(prefix.length - 1))
                        if (candidate.startsWith(target + path.sep)) file = candidate
                    } else if (p === prefix) file = target
                }
            }
            if (!file) { res.writeHead(404).end('not found'); return }
            const body = await fsp.readFile(file)
            res.writeHead(200, {
                'content-type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
                'cache-control': 'no-store',
            })
            res.end(body)
        } catch (e) {
            res.writeHead(404).end('not found')
        }
    })
    return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve(server))
    })
}

// ---------------------------------------------------------------------------- pages

// A watched page (browser.mjs) at the size the readers are checked at.
async function newReaderPage(browser) {
    const watched = await newWatchedPage(browser)
    await watched.page.setViewport({ width: 800, height: 1000 })
    return watched
}

// Runs inside a section document: every block element with its computed direction, so a test
// can compare that with the text's own direction.
function readBlocks() {
    const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u
    const LETTER = /\p{L}/u
    const blocks = []
    const doc = this
    for (const el of doc.querySelectorAll('p, h1, h2, h3, h4, h5, h6, li, figcaption, blockquote, dt, dd, caption, th, td')) {
        const text = (el.textContent || '').replace(/\s+/g, ' ').trim()
        if (!text) continue
        let rtlLetters = 0, ltrLetters = 0, firstStrong = null
        for (const ch of text) {
            if (!LETTER.test(ch)) continue
            const rtl = RTL.test(ch)
            if (rtl) rtlLetters++; else ltrLetters++
            firstStrong ??= rtl ? 'rtl' : 'ltr'
        }
        const langEl = el.closest('[lang]')
        const style = doc.defaultView.getComputedStyle(el)
        blocks.push({
            tag: el.localName,
            text: Array.from(text).slice(0, 40).join(''),
            direction: style.direction,
            textAlign: style.textAlign,
            dirAttr: el.getAttribute('dir'),
            lang: langEl ? langEl.getAttribute('lang') : null,
            rtlLetters, ltrLetters, firstStrong,
        })
        if (blocks.length >= 500) break
    }
    return blocks
}

// ---------------------------------------------------------------------------- foliate-js

async function checkFoliate(browser, base, book) {
    const started = Date.now()
    const deadline = started + opts.timeoutMs
    const left = () => Math.max(1, deadline - Date.now())
    const r = { opened: false }
    const { page, events } = await newReaderPage(browser)
    try {
        const url = `${base}/foliate/reader.html?url=${encodeURIComponent(`../books/${book.name}.epub`)}`
        await withTimeout(page.goto(url, { waitUntil: 'load' }), left(), 'loading reader.html')
        // Opened = the book object exists and the renderer has a section document. A book that
        // fails leaves a blank page and an error; stop waiting soon after one appears.
        let erroredAt = null
        for (;;) {
            const state = await withTimeout(page.evaluate(() => {
                const v = globalThis.reader?.view
                return {
                    book: !!v?.book,
                    contents: v?.renderer?.getContents?.()?.length ?? 0,
                    located: !!v?.lastLocation,
                }
            }), left(), 'polling foliate')
            if (state.book && state.contents > 0 && state.located) { r.opened = true; break }
            if (events.pageErrors.length || events.consoleErrors.length) {
                erroredAt ??= Date.now()
                if (Date.now() - erroredAt > 1500) break
            }
            if (Date.now() > deadline) throw new Timeout('foliate did not open the book in time')
            await sleep(100)
        }
        if (!r.opened) return r
        // foliate's paginator ignores goTo() while a page turn is under way (it is locked), so
        // navigate until the section we asked for is the one on screen, or give up after 5 s.
        // (Installed through the DevTools protocol, which reader.html's CSP does not govern;
        // the CSP stays on, as it is part of how foliate keeps book scripts from running.)
        await page.evaluate(`globalThis.__readBlocks = ${readBlocks.toString()}`)
        await page.evaluate(() => {
            globalThis.__goAndWait = async target => {
                const { view } = globalThis.reader
                let expected = null
                try { expected = view.resolveNavigation(target)?.index ?? null } catch {}
                let resolved = null
                for (let i = 0; i < 50; i++) {
                    resolved = await view.goTo(target)
                    const shown = view.renderer.getContents()[0]
                    if (shown && (expected == null || shown.index === expected)) break
                    await new Promise(resolve => setTimeout(resolve, 100))
                }
                return { expected, resolved, shown: view.renderer.getContents()[0] ?? null }
            }
        })
        Object.assign(r, await withTimeout(page.evaluate(() => {
            const { book } = globalThis.reader.view
            const langMap = x => !x ? null : typeof x === 'string' ? x : x[Object.keys(x)[0]] ?? null
            const flatten = (items, depth = 0, out = []) => {
                for (const item of items ?? []) {
                    out.push({ label: (item.label ?? '').trim(), href: item.href ?? null, depth })
                    flatten(item.subitems, depth + 1, out)
                }
                return out
            }
            let metadata = null
            try { metadata = JSON.parse(JSON.stringify(book.metadata ?? null)) } catch {}
            return {
                title: langMap(book.metadata?.title),
                metadata,
                dir: book.dir ?? null,
                toc: flatten(book.toc),
                landmarks: (book.landmarks ?? []).map(l => ({ label: l.label ?? null, href: l.href ?? null, type: l.type ?? null })),
                sections: book.sections.map(s => ({ id: s.id, linear: s.linear ?? null })),
            }
        }), left(), 'reading the book'))

        // Follow each TOC entry as a reader taps it.
        r.tocNavigation = []
        for (const entry of r.toc.slice(0, 30)) {
            const nav = { href: entry.href, label: entry.label }
            try {
                Object.assign(nav, await withTimeout(page.evaluate(async href => {
                    const { view } = globalThis.reader
                    const { book } = view
                    const [targetPath, fragment] = href ? href.split('#') : [null, null]
                    const { expected, resolved, shown: loaded } = await globalThis.__goAndWait(href)
                    const out = {
                        resolvedIndex: resolved?.index ?? expected,
                        targetPath: targetPath ?? null,
                        fragment: fragment ?? null,
                        loadedIndex: loaded?.index ?? null,
                        loadedHref: loaded ? book.sections[loaded.index]?.id ?? null : null,
                    }
                    if (fragment && loaded) {
                        const id = decodeURIComponent(fragment)
                        out.fragmentFound = !!(loaded.doc.getElementById(id) ?? book.getTOCFragment?.(loaded.doc, id))
                    }
                    return out
                }, entry.href), left(), `following ${entry.href}`))
                await sleep(50)
                nav.locationTocHref = await page.evaluate(() => globalThis.reader.view.lastLocation?.tocItem?.href ?? null)
            } catch (e) {
                if (e instanceof Timeout) throw e
                nav.error = errorText(e)
            }
            r.tocNavigation.push(nav)
        }

        // Visit every section and read the direction of each block.
        r.sectionDirections = []
        const count = Math.min(r.sections.length, 60)
        for (let index = 0; index < count; index++) {
            try {
                const section = await withTimeout(page.evaluate(async index => {
                    const { view } = globalThis.reader
                    await globalThis.__goAndWait(index)
                    const loaded = view.renderer.getContents().find(c => c.index === index)
                    if (!loaded) return { index, error: 'section did not load' }
                    const root = loaded.doc.documentElement
                    return {
                        index,
                        href: view.book.sections[index]?.id ?? null,
                        htmlLang: root.getAttribute('lang'),
                        htmlDir: root.getAttribute('dir'),
                        blocks: globalThis.__readBlocks.call(loaded.doc),
                    }
                }, index), left(), `reading section ${index}`)
                r.sectionDirections.push(section)
            } catch (e) {
                if (e instanceof Timeout) throw e
                r.sectionDirections.push({ index, error: errorText(e) })
            }
        }
    } catch (e) {
        r.harnessError = errorText(e)
        if (e instanceof Timeout) r.timedOut = true
    } finally {
        r.ms = Date.now() - started
        Object.assign(r, events)
        await page.close().catch(() => {})
    }
    return r
}

// ---------------------------------------------------------------------------- epub.js

async function checkEpubjs(browser, base, book) {
    const started = Date.now()
    const r = { opened: false }
    const { page, events } = await newReaderPage(browser)
    try {
        await withTimeout(page.goto(`${base}/epubjs/index.html`, { waitUntil: 'load' }), opts.timeoutMs, 'loading the epub.js page')
        const left = Math.max(1, opts.timeoutMs - (Date.now() - started))
        try {
            Object.assign(r, await withTimeout(
                page.evaluate((url, cap) => window.run(url, cap), `${base}/books/${book.name}.epub`, 30),
                left, 'epub.js'))
        } catch (e) {
            if (e instanceof Timeout) throw e
            r.error = errorText(e)
        }
        r.pageScriptErrors = await page.evaluate(() => window.harnessErrors).catch(() => [])
    } catch (e) {
        r.harnessError = errorText(e)
        if (e instanceof Timeout) r.timedOut = true
    } finally {
        r.ms = Date.now() - started
        Object.assign(r, events)
        await page.close().catch(() => {})
    }
    return r
}

// ---------------------------------------------------------------------------- Ace

// Ace's own puppeteer runner launches a browser per book; this runner implements the same
// interface (launch, close, run, concurrency, setTimeout) on the browser we already have, and
// does what @daisy/ace-axe-runner-puppeteer 1.4.6 does per document: load it from file:// as
// XHTML, with every http(s) request aborted, inject Ace's scripts, and run axe.
function makeAceRunner(browser) {
    let timeoutMs = 240_000
    return {
        concurrency: 2,
        setTimeout(ms) { timeoutMs = parseInt(ms, 10) || timeoutMs },
        async launch() {},
        async close() {},
        async run(url, scripts, scriptContents) {
            const page = await browser.newPage()
            try {
                await page.setRequestInterception(true)
                page.on('request', request => {
                    const u = request.url()
                    if (/^(https?|wss?|ftp):/i.test(u)) { request.abort().catch(() => {}); return }
                    if (request.resourceType() === 'document' && /^file:\//.test(u) && /\.x?html?$/i.test(u)) {
                        fs.readFile(new URL(u), 'utf8', (err, xhtml) => {
                            if (err) { request.continue().catch(() => {}); return }
                            request.respond({ status: 200, contentType: 'application/xhtml+xml', body: xhtml }).catch(() => {})
                        })
                        return
                    }
                    request.continue().catch(() => {})
                })
                await page.goto(url)
                for (const content of scriptContents) {
                    const h = await page.addScriptTag({ content })
                    await page.evaluate(el => el.setAttribute('data-ace', ''), h)
                }
                for (const p of scripts) {
                    const h = await page.addScriptTag({ path: p })
                    await page.evaluate(el => el.setAttribute('data-ace', ''), h)
                }
                return await withTimeout(page.evaluate(() => new Promise((resolve, reject) => {
                    let tries = 0
                    const attempt = () => {
                        if (!window.daisy?.ace?.run || !window.daisy?.ace?.createReport || !window.axe) {
                            if (++tries < 15) { setTimeout(attempt, 400); return }
                            reject(new Error('Ace scripts did not load'))
                            return
                        }
                        window.daisy.ace.run((err, res) => err ? reject(err) : resolve(res))
                    }
                    attempt()
                })), timeoutMs, `Ace on ${url}`)
            } finally {
                await page.close().catch(() => {})
            }
        },
    }
}

// The violations of an Ace report, flat: one entry per rule and place.
function aceViolations(report) {
    const out = []
    for (const doc of report.assertions ?? []) {
        const docHref = doc['earl:testSubject']?.url ?? null
        for (const a of doc.assertions ?? []) {
            const test = a['earl:test'] ?? {}
            const result = a['earl:result'] ?? {}
            if (result['earl:outcome'] && result['earl:outcome'] !== 'fail') continue
            out.push({
                rule: test['dct:title'] ?? null,
                impact: test['earl:impact'] ?? null,
                description: result['dct:description'] ?? test['dct:description'] ?? null,
                document: docHref,
                location: result['earl:pointer']?.css?.join(', ') ?? result['earl:pointer']?.cfi?.join(', ') ?? null,
                html: result.html ? String(result.html).slice(0, 200) : null,
            })
        }
    }
    return out
}

async function checkAce(ace, runner, book) {
    const started = Date.now()
    const r = {}
    const outdir = path.join(opts.ace, book.name)
    try {
        await fsp.rm(outdir, { recursive: true, force: true })
        await fsp.mkdir(outdir, { recursive: true })
        const [, report] = await withTimeout(ace(book.file, {
            cwd: process.cwd(), outdir, lang: 'en', silent: true, verbose: false, jobId: '',
            timeout: opts.timeoutMs,
        }, runner), opts.timeoutMs * 4, 'Ace')
        r.report = path.join(outdir, 'report.json')
        r.outcome = report['earl:result']?.['earl:outcome'] ?? null
        r.violations = aceViolations(report)
        r.a11yMetadata = report['a11y-metadata'] ?? null
        r.conformsTo = report['earl:testSubject']?.metadata?.['dcterms:conformsTo'] ?? null
    } catch (e) {
        r.harnessError = errorText(e)
        if (e instanceof Timeout) r.timedOut = true
    } finally {
        r.ms = Date.now() - started
    }
    return r
}

function loadAce() {
    const ace = requireNM('@daisy/ace-core')
    // Ace logs through winston; without a transport winston complains on every line. Send its
    // warnings and errors to our stderr only.
    const requireAce = createRequire(requireNM.resolve('@daisy/ace-core'))
    const winston = requireAce('winston')
    winston.configure({
        level: 'warn',
        transports: [new winston.transports.Console({
            stderrLevels: ['error', 'warn', 'info', 'verbose', 'debug', 'silly'],
            format: winston.format.printf(i => `ace: ${i.level}: ${i.message}`),
        })],
    })
    return ace
}

// ---------------------------------------------------------------------------- main

async function main() {
    const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'broadsheet-readers-'))
    let browser, server
    const out = {
        harness: {
            node: process.version,
            chromium: null,
            'puppeteer-core': pkgVersion('puppeteer-core'),
            'foliate-js': pkgVersion('foliate-js'),
            epubjs: pkgVersion('epubjs'),
            jszip: pkgVersion('jszip'),
            '@daisy/ace-core': opts.ace ? pkgVersion('@daisy/ace-core') : null,
            timeoutMs: opts.timeoutMs,
        },
        books: {},
    }
    const stop = async () => {
        await browser?.close().catch(() => {})
        server?.close()
        await fsp.rm(userDataDir, { recursive: true, force: true }).catch(() => {})
    }
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
        process.once(signal, () => { stop().finally(() => process.exit(1)) })
    try {
        const ace = opts.ace ? loadAce() : null
        server = await startServer()
        const base = `http://127.0.0.1:${server.address().port}`
        browser = await launchChromium(puppeteer, {
            executablePath: opts.chromium, userDataDir, timeoutMs: opts.timeoutMs,
        })
        out.harness.chromium = await browser.version()
        for (const book of books) {
            const entry = { file: book.file }
            out.books[book.name] = entry
            if (opts.readers) {
                entry.foliate = await checkFoliate(browser, base, book)
                entry.epubjs = await checkEpubjs(browser, base, book)
                log(`${book.name}: foliate ${entry.foliate.opened ? 'opened' : 'did not open'} (${entry.foliate.ms} ms), `
                    + `epub.js ${entry.epubjs.opened ? 'opened' : 'did not open'} (${entry.epubjs.ms} ms)`)
            }
            if (ace) {
                entry.ace = await checkAce(ace, makeAceRunner(browser), book)
                log(`${book.name}: Ace ${entry.ace.harnessError ? 'failed: ' + entry.ace.harnessError
                    : entry.ace.violations.length + ' violation(s)'} (${entry.ace.ms} ms)`)
            }
        }
        await fsp.mkdir(path.dirname(outPath), { recursive: true })
        await fsp.writeFile(outPath, JSON.stringify(out, null, 2) + '\n')
    } finally {
        await stop()
    }
}

main().then(() => process.exit(0), e => {
    process.stderr.write(`check.mjs: harness failure: ${e && e.stack || e}\n`)
    process.exit(1)
})
