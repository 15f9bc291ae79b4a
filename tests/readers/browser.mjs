// What check.mjs (EPUB readers and Ace) and html-check.mjs (axe-core on HTML pages) share:
// one headless Chromium launched so that nothing leaves the machine, pages that record what
// went wrong on them, and the time limits every step runs under.

import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

// The packages of a `node_modules` folder: `require` loads one, `version` reads one's
// version (null when it is missing), and `puppeteer` is puppeteer-core, loaded at once;
// `fail` is called with a message when it cannot be.
export function loadModules(nodeModules, fail) {
    const require = createRequire(path.join(nodeModules, 'noop.js'))
    const version = name => {
        try { return JSON.parse(fs.readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8')).version }
        catch { return null }
    }
    let puppeteer
    try {
        puppeteer = require('puppeteer-core')
    } catch (e) {
        fail(`cannot load puppeteer-core from ${nodeModules}: ${e.message}`)
    }
    return { require, version, puppeteer }
}

// A step that took longer than its limit; the harness reports it as `timedOut`.
export class Timeout extends Error {}

// `promise`, or a Timeout after `ms` milliseconds naming `what` did not answer.
export function withTimeout(promise, ms, what) {
    let timer
    return Promise.race([
        promise,
        new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Timeout(`${what}: no answer in ${ms} ms`)), ms)
        }),
    ]).finally(() => clearTimeout(timer))
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// An error's message, whatever was thrown.
export const errorText = e => (e && (e.stack || e.message)) ? String(e.message || e) : String(e)

// Starts the one Chromium of a run. `timeoutMs` is the harness's per-step limit; the
// DevTools protocol gets twice that, and at least a minute.
export function launchChromium(puppeteer, { executablePath, userDataDir, timeoutMs }) {
    return puppeteer.launch({
        executablePath,
        headless: true,
        userDataDir,
        protocolTimeout: Math.max(60_000, timeoutMs * 2),
        args: [
            '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            '--no-first-run', '--no-default-browser-check', '--disable-quic',
            '--disable-features=Translate,MediaRouter,OptimizationHints',
            // Belt and braces for "nothing leaves the machine".
            '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=127.0.0.1',
            '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
            '--lang=en-US',
        ],
    })
}

// A fresh page that records errors and console warnings (with where they came from), aborts
// requests that would leave the machine (recorded as `blockedRequests`), and records failed
// loads.
export async function newWatchedPage(browser) {
    const page = await browser.newPage()
    const events = { pageErrors: [], consoleErrors: [], consoleWarnings: [], failedRequests: [], blockedRequests: [] }
    page.on('pageerror', e => events.pageErrors.push(errorText(e)))
    page.on('console', msg => {
        const loc = msg.location && msg.location()
        const where = loc && loc.url ? ` (${loc.url}${loc.lineNumber != null ? ':' + loc.lineNumber : ''})` : ''
        if (msg.type() === 'error') events.consoleErrors.push(msg.text() + where)
        else if (msg.type() === 'warn' || msg.type() === 'warning') events.consoleWarnings.push(msg.text() + where)
    })
    page.on('requestfailed', req => {
        if (!events.blockedRequests.includes(req.url()))
            events.failedRequests.push(`${req.url()}: ${req.failure()?.errorText ?? 'failed'}`)
    })
    page.on('response', resp => {
        if (resp.status() >= 400) events.failedRequests.push(`${resp.url()}: HTTP ${resp.status()}`)
    })
    await page.setRequestInterception(true)
    page.on('request', req => {
        if (req.isInterceptResolutionHandled()) return
        const u = req.url()
        if (/^(https?|wss?|ftp):/i.test(u)) {
            let host = ''
            try { host = new URL(u).hostname } catch {}
            if (host !== '127.0.0.1') {
                events.blockedRequests.push(u)
                req.abort('blockedbyclient').catch(() => {})
                return
            }
        }
        req.continue().catch(() => {})
    })
    return { page, events }
}
