#!/usr/bin/env node
// Runs axe-core on HTML pages in ONE headless Chromium, launched once with the flags
// check.mjs uses, in light and dark colour schemes and at a narrow and a wide window. It
// reports what it saw as JSON; it judges nothing. The Rust tests (tests/html.rs) decide what
// is a defect.
//
//   node html-check.mjs [options] OUT.json PAGE.html...
//
//   --node-modules DIR   where puppeteer-core and axe-core are (default: the node_modules
//                        next to this script)
//   --chromium PATH      the browser (default: $CHROMIUM, else /usr/bin/chromium)
//   --timeout SECONDS    per page and run (default: 30)
//   --screenshots DIR    also save a full-page PNG of every run, DIR/NAME-SCHEME-WIDTH.png
//
// OUT.json: { harness: {...}, pages: { NAME: { file, runs: [ { scheme, width, height,
// horizontalOverflow, scripts: [types], violations: [{ id, impact, help, tags, nodes: [{
// target, html, summary }] }], incomplete: [{ id, nodes }], pageErrors, consoleErrors,
// failedRequests, blockedRequests, harnessError? } ] } } }
//
// Exit status: 0 when the harness did its job, whatever the pages are like; 1 when the
// harness itself failed (bad arguments, no browser, no axe-core, a bug here).
//
// Nothing leaves the machine: the pages are served from 127.0.0.1, Chromium runs with a dead
// proxy and a host resolver that knows no names, and any request to another host is aborted
// and recorded as `blockedRequests` (a self-contained page must ask for nothing at all).

import http from 'node:http'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { Timeout, errorText, launchChromium, loadModules, newWatchedPage, withTimeout } from './browser.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))

// The axe-core rule tags run: WCAG 2.0 and 2.1 A and AA, and axe's best practices.
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']

// Each page is checked in every scheme at every size.
const SCHEMES = ['light', 'dark']
const SIZES = [{ width: 375, height: 812 }, { width: 1280, height: 900 }]

function usage(message) {
    if (message) process.stderr.write(`html-check.mjs: ${message}\n`)
    process.stderr.write('usage: node html-check.mjs [--node-modules DIR] [--chromium PATH] '
        + '[--timeout SECONDS] [--screenshots DIR] OUT.json PAGE.html...\n')
    process.exit(1)
}

const opts = {
    nodeModules: path.join(here, 'node_modules'),
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    timeoutMs: 30_000,
    screenshots: null,
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
        if (a === '--node-modules') opts.nodeModules = path.resolve(value())
        else if (a === '--chromium') opts.chromium = value()
        else if (a === '--timeout') opts.timeoutMs = Math.round(Number(value()) * 1000)
        else if (a === '--screenshots') opts.screenshots = path.resolve(value())
        else if (a === '-h' || a === '--help') usage()
        else if (a.startsWith('--')) usage(`unknown option ${a}`)
        else positional.push(a)
    }
}
if (positional.length < 2) usage('OUT.json and at least one page are required')
if (!(opts.timeoutMs > 0)) usage('--timeout must be a positive number of seconds')
const outPath = path.resolve(positional[0])
const pages = []
for (const file of positional.slice(1)) {
    const abs = path.resolve(file)
    if (!fs.existsSync(abs)) usage(`no such page: ${file}`)
    const name = path.basename(abs).replace(/\.html?$/i, '')
    if (pages.some(p => p.name === name)) usage(`two pages are named ${name}`)
    pages.push({ name, file: abs })
}
if (!fs.existsSync(opts.chromium)) usage(`no browser at ${opts.chromium} (set CHROMIUM or --chromium)`)

const nm = opts.nodeModules
const { version: pkgVersion, puppeteer } = loadModules(nm, usage)
const axePath = path.join(nm, 'axe-core', 'axe.min.js')
if (!fs.existsSync(axePath)) usage(`missing ${axePath}; run npm ci in ${path.dirname(nm)}`)

// ---------------------------------------------------------------------------- helpers

const log = message => process.stderr.write(`html-check.mjs: ${message}\n`)

// ---------------------------------------------------------------------------- the server

// Serves each page at /pages/NAME.html, as text/html, and nothing else.
function startServer() {
    const server = http.createServer(async (req, res) => {
        try {
            const p = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname)
            const page = pages.find(pg => `/pages/${pg.name}.html` === p)
            if (!page) { res.writeHead(404).end('not found'); return }
            const body = await fsp.readFile(page.file)
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
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

async function checkPage(browser, base, pageInfo, scheme, size) {
    const started = Date.now()
    const r = { scheme, width: size.width, height: size.height }
    const { page, events } = await newWatchedPage(browser)
    try {
        await page.setViewport(size)
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }])
        // A page with a Content-Security-Policy would refuse the injected axe-core.
        await page.setBypassCSP(true)
        await withTimeout(page.goto(`${base}/pages/${pageInfo.name}.html`, { waitUntil: 'load' }),
            opts.timeoutMs, 'loading the page')
        // Whether the page scrolls sideways: a page of any width must not.
        r.horizontalOverflow = await page.evaluate(() =>
            document.documentElement.scrollWidth > document.documentElement.clientWidth)
        // Scripts the page itself holds, counted before axe adds its own.
        r.scripts = await page.evaluate(() => Array.from(document.scripts, s => s.type || 'text/javascript'))
        await page.addScriptTag({ path: axePath })
        const result = await withTimeout(page.evaluate(tags => window.axe.run(document, {
            runOnly: { type: 'tag', values: tags },
            resultTypes: ['violations', 'incomplete'],
        }), TAGS), opts.timeoutMs, 'axe.run')
        r.violations = result.violations.map(v => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            tags: v.tags,
            nodes: v.nodes.slice(0, 20).map(n => ({
                target: n.target,
                html: String(n.html).slice(0, 300),
                summary: n.failureSummary,
            })),
        }))
        // What axe could not decide, such as the contrast of text over an image.
        r.incomplete = result.incomplete.map(v => ({
            id: v.id,
            nodes: v.nodes.slice(0, 5).map(n => ({ target: n.target, summary: n.failureSummary })),
        }))
        if (opts.screenshots) {
            await fsp.mkdir(opts.screenshots, { recursive: true })
            await page.screenshot({
                path: path.join(opts.screenshots, `${pageInfo.name}-${scheme}-${size.width}.png`),
                fullPage: true,
            })
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

// ---------------------------------------------------------------------------- main

async function main() {
    const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'broadsheet-html-'))
    let browser, server
    const out = {
        harness: {
            node: process.version,
            chromium: null,
            'puppeteer-core': pkgVersion('puppeteer-core'),
            'axe-core': pkgVersion('axe-core'),
            tags: TAGS,
            timeoutMs: opts.timeoutMs,
        },
        pages: {},
    }
    const stop = async () => {
        await browser?.close().catch(() => {})
        server?.close()
        await fsp.rm(userDataDir, { recursive: true, force: true }).catch(() => {})
    }
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
        process.once(signal, () => { stop().finally(() => process.exit(1)) })
    try {
        server = await startServer()
        const base = `http://127.0.0.1:${server.address().port}`
        browser = await launchChromium(puppeteer, {
            executablePath: opts.chromium, userDataDir, timeoutMs: opts.timeoutMs,
        })
        out.harness.chromium = await browser.version()
        for (const pageInfo of pages) {
            const entry = { file: pageInfo.file, runs: [] }
            out.pages[pageInfo.name] = entry
            for (const scheme of SCHEMES) for (const size of SIZES) {
                const run = await checkPage(browser, base, pageInfo, scheme, size)
                entry.runs.push(run)
                log(`${pageInfo.name} (${scheme}, ${size.width}px): ${run.harnessError
                    ? 'failed: ' + run.harnessError
                    : run.violations.length + ' violation(s)'} (${run.ms} ms)`)
            }
        }
        await fsp.mkdir(path.dirname(outPath), { recursive: true })
        await fsp.writeFile(outPath, JSON.stringify(out, null, 2) + '\n')
    } finally {
        await stop()
    }
}

main().then(() => process.exit(0), e => {
    process.stderr.write(`html-check.mjs: harness failure: ${e && e.stack || e}\n`)
    process.exit(1)
})
