// The web pages in headless Chromium, against the real daemon (web_test.sh
// starts it on the demo data, with the clock fixed at Monday 23 November 2026).
// Each step is what an officer, an ISVA or a manager does; a failure names the
// step and leaves a screenshot of where the browser was.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

const base = process.env.BASE_URL
const password = process.env.PASSWORD
const artefacts = process.env.ARTEFACTS
const db = process.env.DB

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
let context, page
let failures = 0
const problems = [] // CSP violations and script errors, on any page

async function newSession () {
  if (context) await context.close()
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
  // A document answered 401 or 404 on purpose is not a problem; a refused script or style is.
  page.on('console', m => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded/.test(m.text())) problems.push(`${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', e => problems.push(`${page.url()}: ${e.message}`))
}

async function step (name, fn) {
  try {
    await fn()
    console.log(`ok - ${name}`)
  } catch (e) {
    failures++
    console.log(`not ok - ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`)
    if (page) await page.screenshot({ path: path.join(artefacts, `failed-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => {})
  }
}

const shot = name => page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true })
const sql = query => execFileSync('sqlite3', [db, query], { encoding: 'utf8' }).trim()

// Clicks something that submits a form or follows a link, and waits for the page it leads to.
async function go (selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)])
}

async function signIn (name) {
  await page.fill('#name', name)
  await page.fill('#password', password)
  await go('button:has-text("Sign in")')
}

// What every page should give anyone using a keyboard or a screen reader.
async function checkAccessible (what) {
  const report = await page.evaluate(() => {
    const out = []
    const fields = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    for (const f of fields) {
      const labelled = (f.id && document.querySelector(`label[for="${f.id}"]`)) || f.getAttribute('aria-label') || f.closest('label')
      if (!labelled) out.push(`field without a label: ${f.outerHTML.slice(0, 80)}`)
    }
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(h => h.offsetParent !== null || h.closest('.govuk-tabs__panel'))
    const h1s = [...document.querySelectorAll('h1')]
    if (h1s.length !== 1) out.push(`${h1s.length} h1 headings`)
    let last = 0
    for (const h of headings) {
      const level = Number(h.tagName[1])
      if (last && level > last + 1) out.push(`heading level skips from h${last} to h${level}: ${h.textContent.trim()}`)
      last = level
    }
    if (!document.documentElement.lang) out.push('no lang on <html>')
    if (!document.title) out.push('no <title>')
    for (const img of document.querySelectorAll('svg[role=img]')) {
      if (!img.querySelector('title')) out.push('a chart without a title')
    }
    return out
  })
  assert.deepEqual(report, [], `${what}: ${report.join('; ')}`)
  await axeCheck(what) // and no WCAG 2 A/AA violation axe-core can find (defined in the web-words section)
  // The first Tab lands on the skip link, which takes focus to the main content.
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Skip to main content', `${what}: skip link first`)
  await page.keyboard.press('Enter')
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main-content', `${what}: the skip link moves focus to the main content`)
  await page.evaluate(() => document.activeElement.blur())
}

await newSession()

await step('someone not signed in is sent to the login page, and back after signing in', async () => {
  const res = await page.goto(base + '/queue?state=draft')
  assert.match(page.url(), /\/login\?next=%2Fqueue%3Fstate%3Ddraft$/)
  assert.equal(res.status(), 200)
  await checkAccessible('login page')
  await shot('01-login')
  await page.fill('#name', 'anna-officer')
  await page.fill('#password', 'not the password at all')
  await go('button:has-text("Sign in")')
  assert.match(await page.textContent('.govuk-error-summary'), /The name or the password is not right/)
  await signIn('anna-officer')
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/queue?state=draft')
})

await step('every page carries the security headers', async () => {
  const res = await page.goto(base + '/queue')
  const h = res.headers()
  assert.match(h['content-security-policy'], /script-src 'self'/)
  assert.doesNotMatch(h['content-security-policy'], /unsafe-inline|unsafe-eval/)
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/)
  assert.equal(h['x-frame-options'], 'DENY')
  assert.equal(h['referrer-policy'], 'no-referrer')
  assert.equal(h['cache-control'], 'no-store')
  const cookies = await context.cookies()
  const session = cookies.find(c => c.name === 'vc_session')
  assert.ok(session.httpOnly, 'the session cookie is HttpOnly')
  assert.equal(session.sameSite, 'Strict')
})

let letterId
await step('the VLU queue lists letters by time left, overdue first, and filters them', async () => {
  await page.goto(base + '/queue')
  await checkAccessible('queue')
  await shot('02-queue')
  const urgencies = await page.$$eval('#queue tbody tr', rows => rows.map(r => (r.className.match(/vc-row--(\w+)/) || [])[1] || 'later'))
  const rank = { overdue: 0, due_today: 1, due_next_working_day: 2, later: 3 }
  const ranks = urgencies.map(u => rank[u])
  assert.ok(ranks.length > 5, 'the demo has letters to review')
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `sorted by time left: ${urgencies.join(', ')}`)
  assert.ok(urgencies.includes('overdue'))
  assert.match(await page.textContent('#queue tbody tr.vc-row--overdue .govuk-tag'), /Overdue/)
  // 50 a page, the overdue first: the letters due today and the next working day are counted, and listed by their links.
  for (const [count, urgency, tag] of [['#count-due-today', 'due_today', /Due today/], ['#count-due-next', 'due_next_working_day', /Due next working day/]]) {
    assert.ok(Number(await page.textContent(`${count} strong`)) > 0, `${urgency} counted`)
    await go(count)
    const marked = await page.$$eval('#queue tbody tr', rows => rows.map(r => (r.className.match(/vc-row--(\w+)/) || [])[1]))
    assert.ok(marked.length > 0 && marked.every(u => u === urgency), `only ${urgency}: ${marked}`)
    assert.match(await page.textContent(`#queue tbody tr.vc-row--${urgency} .govuk-tag`), tag)
    await page.goto(base + '/queue')
  }
  // Filter: blocked letters only, then one rule.
  await page.selectOption('#state', 'blocked')
  await go('button:has-text("Apply filters")')
  const states = await page.$$eval('#queue tbody tr td:last-child', cells => cells.map(c => c.textContent.trim()))
  assert.ok(states.length >= 1 && states.every(s => s === 'Blocked'), `only blocked: ${states}`)
  await page.selectOption('#state', 'draft')
  await page.selectOption('#rule', 'VCL-NFA')
  await go('button:has-text("Apply filters")')
  const titles = await page.$$eval('#queue tbody tr td:nth-child(2) a', as => as.map(a => a.textContent.trim()))
  assert.ok(titles.length >= 1 && titles.every(t => t === 'Decision not to prosecute'), `only NFA letters: ${titles}`)
  // A posted letter, so that "sent" means written to the print spool.
  letterId = await page.$$eval('#queue tbody tr', rows => rows.find(r => r.textContent.includes('by post')).dataset.letter)
  assert.ok(letterId)
})

await step('a blocked letter says what is missing', async () => {
  await page.goto(base + '/queue?state=blocked')
  await go('#queue tbody tr td:nth-child(2) a')
  assert.match(await page.textContent('#blocked'), /cannot be approved until/)
  assert.equal(await page.$('#approve'), null, 'no approve button on a blocked letter')
})

await step('jargon in the officer\'s words is shown beside the box it is in, with a plain alternative', async () => {
  await page.goto(`${base}/letters/${letterId}`)
  await page.fill('#reasons', 'The complainant\'s account was considered, but the case did not pass the evidential stage.')
  await go('#save')
  await page.goto(`${base}/letters/${letterId}`)  // afresh: the saved banner takes the focus
  const finding = page.locator('.vc-finding[data-field="reasons"]').first()
  assert.match(await finding.textContent(), /complainant.*you/)
  // It sits in the reasons box's own form group, just above the box.
  assert.equal(await finding.evaluate(e => e.closest('.govuk-form-group').querySelector('textarea').id), 'reasons')
  assert.match(await page.textContent('#plain-english'), /plain-English findings/)
  await checkAccessible('letter page with findings')
  await shot('03a-plain-english-findings')
})

await step('an officer corrects a letter: reasons and free text, and sees it as it will print', async () => {
  await page.goto(`${base}/letters/${letterId}`)
  await checkAccessible('letter page')
  assert.match(await page.textContent('#deadline-explanation'), /working day/)
  await page.fill('#reasons', 'We looked at all of the evidence again.\n\nThere is not enough of it for a court to be likely to convict.')
  await page.fill('#free_text', 'Please call us on the number above if you would like to talk about this letter.')
  await go('#save')
  assert.match(await page.textContent('#done'), /Your changes are saved/)
  // The letter itself is in the page, with the corrections in it.
  assert.match(await page.textContent('#letter'), /Please call us on the number above/)
  assert.match(await page.textContent('#letter'), /There is not enough of it for a court/)
  assert.equal(await page.$('.vc-finding'), null, 'plain words: no findings left')
  assert.match(await page.textContent('#history'), /anna-officer/)
  await shot('03-letter')
})

await step('the officer who edited it cannot approve it: four eyes', async () => {
  assert.match(await page.textContent('#four-eyes-hint'), /another officer must check and approve it/)
  assert.equal(await page.$('#approve'), null, 'no live "Approve and send" for the officer who changed it last')
  // Pressed anyway, from a page opened before their change: refused, in plain words.
  await Promise.all([page.waitForNavigation(), page.evaluate(() => {
    const f = document.createElement('form')
    f.method = 'post'
    f.action = location.pathname + '/approve'
    for (const name of ['csrf_token', 'version']) {
      const i = document.createElement('input')
      i.type = 'hidden'
      i.name = name
      i.value = document.querySelector(`form[action$="/edit"] input[name="${name}"]`).value
      f.append(i)
    }
    document.body.append(f)
    f.submit()
  })])
  assert.match(await page.textContent('.govuk-error-summary'), /Another officer must approve this letter/)
  assert.match(await page.textContent('#refusal'), /You made the last change to this letter, so another officer must approve it/)
  assert.doesNotMatch(await page.textContent('#refusal'), /four eyes/i)
  assert.match(await page.textContent('#letter-state'), /Ready for review/)
  await shot('04-four-eyes-refused')
})

await step('a form posted without the CSRF token is refused, and changes nothing', async () => {
  const version = sql(`SELECT version FROM letters WHERE n = ${letterId.slice(2)}`)
  for (const form of [{ reject_reason: 'forged' }, { reject_reason: 'forged', csrf_token: 'vc_' + '0'.repeat(48) }]) {
    const res = await page.request.post(`${base}/letters/${letterId}/reject`, { form, maxRedirects: 0 })
    assert.equal(res.status(), 403)
    assert.match(await res.text(), /You cannot do that/)
  }
  assert.equal(sql(`SELECT state || ' ' || version FROM letters WHERE n = ${letterId.slice(2)}`), `draft ${version}`)
  assert.ok(Number(sql("SELECT COUNT(*) FROM audit_log WHERE action = 'csrf_refused'")) >= 2, 'the refusals are audited')
})

await step('signing out ends the session: the queue sends you to the login page', async () => {
  await go('button:has-text("Sign out")')
  assert.match(await page.textContent('#notice'), /You have signed out/)
  await page.goto(base + '/queue')
  assert.match(page.url(), /\/login\?next=%2Fqueue$/)
})

await step('a second officer approves it, and it is sent', async () => {
  await signIn('ben-officer')
  await page.goto(`${base}/letters/${letterId}`)
  assert.equal(await page.$('#four-eyes-hint'), null)
  await go('#approve')
  assert.match(await page.textContent('#done'), /approved/)
  for (let i = 0; i < 50 && !/Sent/.test(await page.textContent('#letter-state')); i++) {
    await page.waitForTimeout(200)
    await page.reload()
  }
  assert.match(await page.textContent('#letter-state'), /Sent/)
  assert.match(await page.textContent('#sent-at'), /November 2026/)
  const spooled = readdirSync(process.env.SPOOL).filter(f => f.startsWith(letterId + '.'))
  assert.deepEqual(spooled.sort(), [`${letterId}.html`, `${letterId}.txt`])
  assert.match(readFileSync(path.join(process.env.SPOOL, `${letterId}.txt`), 'utf8'), /Please call us on the number above/)
  await shot('05-letter-sent')
})

await step('the victim page shows the journey, the entitlement and its reasons, and the obligations; the read is audited', async () => {
  const victim = sql(`SELECT o.victim_id FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE l.n = ${letterId.slice(2)}`)
  const before = Number(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'read_victim' AND subject = 'victim:${victim}'`))
  await page.goto(`${base}/victims/${victim}`)
  await checkAccessible('victim page')
  assert.match(await page.textContent('#entitlement'), /rights/)
  assert.ok((await page.$$('#timeline tbody tr')).length >= 3)
  assert.match(await page.textContent('#obligations'), /Decision not to prosecute/)
  assert.doesNotMatch(await page.innerText('#obligations'), /VCL-NFA/)  // the rule book's wording only in a closed details part
  assert.equal(Number(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'read_victim' AND subject = 'victim:${victim}' AND actor = 'ben-officer'`)), before + 1)
  await shot('06-victim')
})

await step('a victim who needs an interpreter or Easy Read: the officer attaches the translation, or records another way', async () => {
  const letterOf = urn => sql(`SELECT 'l-' || l.n FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE o.case_urn = '${urn}'`)
  // The queue tags these letters and filters them.
  await page.goto(base + '/queue?need=communication_need')
  const flagged = await page.$$eval('#queue tbody tr', rows => rows.map(r => r.textContent))
  assert.ok(flagged.length >= 2 && flagged.every(t => /Needs (translation|Easy Read)/.test(t)), `only letters needing attention: ${flagged}`)
  const polish = letterOf('52WN0100126')
  await page.goto(`${base}/letters/${polish}`)
  await checkAccessible('letter page for a victim who needs an interpreter')
  assert.match(await page.textContent('#communication-need'), /interpreter \(Polish\)/)
  assert.match(await page.textContent('#blocked'), /into Polish/)
  await page.fill('#translation', 'Prokuratura zdecydowała, że nikt nie zostanie oskarżony. (demo)')
  await go('#save')
  assert.match(await page.textContent('#done'), /Your changes are saved/)
  assert.match(await page.textContent('#letter-state'), /Ready for review/)
  assert.match(await page.textContent('#letter'), /Polish: a translation of this letter/)
  // Easy Read, given in person instead: the letter is closed and the contact completes the obligation.
  const easy = letterOf('52WN0200126')
  await page.goto(`${base}/letters/${easy}`)
  await page.selectOption('#channel', 'in_person')
  await page.fill('#met_reason', 'Explained to Robin in person in plain words, with their support worker there (demo).')
  await go('#meet-another-way')
  assert.match(await page.textContent('#done'), /It will not be sent/)
  assert.match(await page.textContent('#letter-state'), /Met another way/)
  assert.equal(await page.$('#approve'), null)
  assert.equal(sql(`SELECT o.status FROM obligations o JOIN letters l ON l.obligation_id = o.id WHERE l.n = ${easy.slice(2)}`), 'late')
  await shot('06b-met-another-way')
  // A Welsh letter asks for its Welsh free text too.
  await page.goto(`${base}/letters/${letterOf('52WN0300126')}`)
  assert.ok(await page.$('#free_text_cy'), 'a Welsh free text box')
  assert.match(await page.textContent('#blocked'), /reasons_cy/)
})

await step('a victim only the phone reaches: a phone task with a call script, an attempt, then the call recorded', async () => {
  const phone = sql(`SELECT 'l-' || l.n FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE o.case_urn = '52PH0100126'`)
  await page.goto(base + '/queue?need=phone_task')
  const listed = await page.$$eval('#queue tbody tr', rows => rows.map(r => r.dataset.letter + ' ' + r.textContent))
  assert.ok(listed.length === 1 && listed[0].startsWith(phone + ' ') && /Phone task/.test(listed[0]), `only the phone task: ${listed}`)
  await page.goto(`${base}/letters/${phone}`)
  await checkAccessible('a phone task')
  assert.match(await page.textContent('#script-before'), /07700 900451/)
  assert.match(await page.textContent('#script-voicemail'), /Never leave a message/)
  assert.equal(await page.$('#approve'), null, 'a phone task is not approved')
  await page.fill('#call_notes', 'No answer at 10:15; no message left (demo).')
  await go('#record-call-attempt')
  assert.match(await page.textContent('#done'), /call attempt/)
  await page.fill('#met_reason', 'Phoned Frankie on the number on record and read them the letter (demo).')
  await go('#meet-another-way')
  assert.match(await page.textContent('#letter-state'), /Met another way/)
  await shot('06c-phone-task')
})

await step('an ISVA sees their own notifications, unread first, and nothing of another ISVA\'s', async () => {
  await newSession()
  await page.goto(base + '/')
  await signIn('isla-isva')
  assert.equal(new URL(page.url()).pathname, '/inbox')
  await checkAccessible('ISVA inbox')
  const listed = await page.$$eval('#inbox tbody tr', rows => rows.map(r => r.dataset.notification))
  const own = sql("SELECT 'n-' || n FROM notifications WHERE isva_id = 'isva-1' ORDER BY n").split('\n')
  const others = sql("SELECT 'n-' || n FROM notifications WHERE isva_id <> 'isva-1'").split('\n').filter(Boolean)
  assert.ok(others.length >= 1, 'another ISVA has a notification to hide')
  assert.deepEqual([...listed].sort(), [...own].sort())
  const unreadBefore = Number(await page.textContent('#unread-count strong'))
  await go('#inbox tbody tr:last-child a')
  assert.ok((await page.textContent('#notification-text')).length > 20)
  await page.goto(base + '/inbox')
  assert.equal(Number(await page.textContent('#unread-count strong')), unreadBefore - 1)
  const reads = await page.$$eval('#inbox tbody tr td:last-child', cells => cells.map(c => c.textContent.trim()))
  assert.deepEqual(reads, [...reads].sort((a, b) => (a === 'Unread' ? 0 : 1) - (b === 'Unread' ? 0 : 1)), 'unread first')
  await shot('07-isva-inbox')
  const res = await page.goto(`${base}/inbox/${others[0]}`)
  assert.equal(res.status(), 404)
  assert.match(await page.textContent('h1'), /Page not found/)
  const queue = await page.goto(base + '/queue')
  assert.equal(queue.status(), 403)
})

await step('a manager sees compliance at a glance and downloads the CSV', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('meg-manager')
  assert.equal(new URL(page.url()).pathname, '/dashboard')
  await page.goto(base + '/dashboard?from=2026-01-01&to=2026-12-31')
  await checkAccessible('dashboard')
  assert.ok((await page.$$('svg.vc-chart[role=img]')).length >= 2, 'charts')
  for (const tab of ['rule', 'right', 'area', 'month']) assert.ok(await page.$(`#by-${tab} table`), `a table by ${tab}`)
  assert.match(await page.textContent('#code-percent'), /%$/)
  assert.ok((await page.$$('#misses tbody tr')).length >= 1, 'the misses are listed')
  // Right 1: the demo's Polish letter has its translation and the Easy Read one was given in person (steps above).
  assert.match(await page.textContent('#communication-needs'), /with a translation attached\s*1/)
  assert.match(await page.textContent('#communication-needs'), /given another way\s*1/)
  await page.click('.govuk-tabs__tab[href="#by-area"]')
  await shot('08-dashboard')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-misses')])
  assert.match(download.suggestedFilename(), /^compliance-misses-2026-01-01-to-2026-12-31\.csv$/)
  const csv = readFileSync(await download.path(), 'utf8')
  assert.ok(csv.startsWith('\uFEFF'), 'a byte-order mark for Excel')
  assert.match(csv.split('\r\n')[0], /obligation_id/)
  assert.ok(csv.split('\r\n').filter(Boolean).length >= 2)
})

await step('a manager reads the audit log, filtered, with the chain verified', async () => {
  await page.goto(base + '/audit')
  await checkAccessible('audit log')
  assert.match(await page.textContent('#chain-status'), /intact/)
  // Paging back: the next page starts just below where this one ended.
  const seqs = await page.$$eval('#audit tbody tr td:first-child', cells => cells.map(c => Number(c.textContent)))
  assert.equal(seqs.length, 100)
  await go('a:has-text("Older entries")')
  const older = await page.$$eval('#audit tbody tr td:first-child', cells => cells.map(c => Number(c.textContent)))
  assert.equal(older[0], seqs[99] - 1)
  await page.fill('#actor', 'anna-officer')
  await go('button:has-text("Filter")')
  const actors = await page.$$eval('#audit tbody tr td:nth-child(3)', cells => cells.map(c => c.textContent.trim()))
  assert.ok(actors.length >= 3 && actors.every(a => a === 'anna-officer'), `only anna: ${actors}`)
  const actions = await page.$$eval('#audit tbody tr td:nth-child(4)', cells => cells.map(c => c.textContent.trim()))
  for (const a of ['login', 'login_failed', 'logout', 'letter_edited', 'csrf_refused']) assert.ok(actions.includes(a), `${a} in ${actions}`)
  await shot('09-audit')
})

// --- issue 18 items 9, 11 (lead) ---
await step('a manager bound to an Area sees that Area only: its compliance and its audit entries', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('sol-manager')  // web_test.sh: --role manager --area "CPS South West"
  await page.goto(base + '/dashboard?from=2026-01-01&to=2026-12-31')
  await checkAccessible('dashboard, Area manager')
  const offered = await page.$$eval('#area option', os => os.map(o => o.textContent.trim()))
  assert.deepEqual(offered, ['CPS South West'])
  const areaRows = await page.$$eval('#by-area table tbody th', cells => cells.map(c => c.textContent.trim()))
  assert.ok(areaRows.length >= 1 && areaRows.every(a => a === 'CPS South West'), `only the South West: ${areaRows}`)
  const refused = await page.goto(base + '/dashboard?area=' + encodeURIComponent('CPS London North'))
  assert.equal(refused.status(), 403)
  await page.goto(base + '/audit')
  const subjects = await page.$$eval('#audit tbody tr td:nth-child(5)', cells => cells.map(c => c.textContent.trim()))
  assert.ok(subjects.length >= 1, 'entries about the Area')
  for (const s of subjects) assert.match(s, /^(case|victim|obligation|letter|notification):/, `an entry about the Area: ${s}`)
  const actions = await page.$$eval('#audit tbody tr td:nth-child(4)', cells => cells.map(c => c.textContent.trim()))
  assert.ok(!actions.includes('login'), 'sign-ins belong to no Area')
  await shot('13-area-manager-audit')
})

await step('an officer finds a victim by part of their name in one box, then their letters; a search can be cleared', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('ben-officer')
  await page.fill('#q', 'robin test')
  await go('#search button:has-text("Search")')
  await checkAccessible('queue, searched by name')
  const found = await page.$$eval('#matched-victims li a:first-child', as => as.map(a => a.textContent.trim()))
  assert.deepEqual(found, ['Robin Testperson'])
  await go('#matched-victims a:has-text("their letters")')
  assert.match(await page.textContent('#found'), /Letters for victim v-c3-robin/)
  const rows = await page.$$eval('#queue tbody tr', trs => trs.length)
  assert.ok(rows >= 1, 'the victim\'s letters are listed')
  await go('#clear-filters')
  assert.equal(new URL(page.url()).search, '')
  assert.equal(await page.inputValue('#q'), '')
  await page.fill('#q', 'no such person at all')
  await go('#search button:has-text("Search")')
  assert.match(await page.textContent('#nothing-found'), /No letter, case or victim matches/)
})

await step('the queue\'s overdue count opens the overdue letters, shown as a tag that removes the filter', async () => {
  await page.goto(base + '/queue')
  const shown = Number(await page.textContent('#count-overdue strong'))
  assert.ok(shown > 0, 'the demo has overdue letters')
  assert.equal(await page.$('#selected-filters'), null, 'no filter chosen, no tags')
  await go('#count-overdue')
  assert.equal(new URL(page.url()).search, '?due=overdue')
  assert.equal(Number(await page.textContent('#queue-count')), shown)
  const rows = await page.$$eval('#queue tbody tr', trs => trs.map(r => r.className))
  assert.equal(rows.length, Math.min(shown, 50))
  assert.ok(rows.every(c => c.includes('vc-row--overdue')), 'only overdue letters')
  assert.match(await page.textContent('#showing'), new RegExp(`Showing 1 to ${Math.min(shown, 50)} of ${shown} letters`))
  assert.match(await page.textContent('#due option:checked'), new RegExp(`Overdue \\(${shown}\\)`))
  const tags = await page.$$eval('#selected-filters .vc-filter-tag', as => as.map(a => a.textContent.trim()))
  assert.deepEqual(tags, ['Remove this filter: Time left: Overdue'])
  await checkAccessible('queue, the overdue letters')
  await shot('14-queue-overdue')
  await go('#selected-filters .vc-filter-tag')
  assert.equal(new URL(page.url()).search, '')
  assert.equal(await page.$('#selected-filters'), null)
  assert.ok(Number(await page.textContent('#queue-count')) >= shown)
})

await step('the pages are set in a system font: GOV.UK\'s own typeface is neither asked for nor served', async () => {
  const fonts = []
  const listener = r => { if (/\.woff2?($|\?)/.test(r.url())) fonts.push(r.url()) }
  page.on('request', listener)
  try {
    for (const where of ['/dashboard', '/audit']) {
      await page.goto(base + where)
      const family = await page.evaluate(() => getComputedStyle(document.querySelector('h1')).fontFamily)
      assert.match(family, /^arial, sans-serif$/i, `${where}: ${family}`)
    }
    const css = await (await page.request.get(base + '/assets/govuk-frontend.min.css')).text()
    assert.ok(!css.includes('GDS Transport') && !css.includes('@font-face'), 'no GDS Transport in the styles')
    assert.equal((await page.request.get(base + '/assets/fonts/bold-b542beb274-v2.woff2')).status(), 404)
    assert.deepEqual(fonts, [])
  } finally {
    page.off('request', listener)
  }
})

await step('errors are pages, not stack traces', async () => {
  const res = await page.goto(base + '/letters/l-999999')
  assert.equal(res.status(), 404)
  assert.match(await page.textContent('h1'), /Page not found/)
  assert.equal(res.headers()['content-type'], 'text/html; charset=utf-8')
  const none = await page.goto(base + '/no/such/page')
  assert.equal(none.status(), 404)
  await shot('10-not-found')
})

// --- issue 18 items 1, 3 (web-forms) ---
// Two officers open the same letter; the second to save keeps their words, sees the other's beside them, and
// saves on top. Then four eyes is shown before the click, on the letter and in the queue.
await step('a save on a letter someone changed meanwhile keeps the officer\'s words and shows the other change', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('anna-officer')
  const other = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const ben = await other.newPage()
    await ben.goto(base + '/login')
    await ben.fill('#name', 'ben-officer')
    await ben.fill('#password', password)
    await Promise.all([ben.waitForNavigation(), ben.click('button:has-text("Sign in")')])
    const id = sql("SELECT 'l-' || n FROM letters WHERE state = 'draft' AND channel = 'post' AND language = 'en' AND COALESCE(last_edited_by, '') = '' ORDER BY n LIMIT 1")
    assert.ok(id, 'a draft nobody has changed')
    await page.goto(`${base}/letters/${id}`)
    await ben.goto(`${base}/letters/${id}`)
    // Ben saves first.
    await ben.fill('#reasons', 'Ben wrote these reasons.\n\nThere was not enough evidence.')
    await Promise.all([ben.waitForNavigation(), ben.click('#save')])
    assert.match(await ben.textContent('#done'), /Your changes are saved/)
    // Anna, on the page she opened before that, changes the same box and her own paragraph.
    const annaReasons = 'Anna wrote other reasons.\n\nA court would not be likely to convict.'
    const annaText = 'Please ring us if you would like to talk about this letter.'
    await page.fill('#reasons', annaReasons)
    await page.fill('#free_text', annaText)
    const [res] = await Promise.all([page.waitForNavigation(), page.click('#save')])
    assert.equal(res.status(), 409)
    // Her words are in the boxes; Ben's, with who and when, beside the box they both changed.
    assert.equal(await page.inputValue('#reasons'), annaReasons)
    assert.equal(await page.inputValue('#free_text'), annaText)
    const theirs = await page.textContent('#theirs-reasons')
    assert.match(theirs, /ben-officer saved on \d+ \w+ 2026 at \d\d:\d\d/)
    assert.match(theirs, /Ben wrote these reasons\.\s+There was not enough evidence\./)
    const summary = await page.textContent('.govuk-error-summary')
    assert.match(summary, /ben-officer changed this letter on .* after you opened it/)
    assert.match(summary, /ben-officer also changed the reasons for the decision/)
    // The page's own words (not the letter's, which give the unit's address, vlu.southwest@...).
    const words = await page.evaluate(() => {
      const main = document.querySelector('main').cloneNode(true)
      main.querySelector('#letter')?.remove()
      return main.textContent
    })
    assert.doesNotMatch(words, /version \d+, not \d+|redo the edit|four eyes|\bvlu\b/i)
    await shot('11-changed-meanwhile')
    // Saving again puts her words on top of Ben's version.
    await go('#save')
    assert.match(await page.textContent('#done'), /Your changes are saved/)
    assert.equal(sql(`SELECT json_extract(fields, '$.reasons') || '|' || free_text FROM letters WHERE n = ${id.slice(2)}`),
      `${annaReasons}|${annaText}`)

    // Four eyes before the click: Anna changed it last, so she sees who must approve it, and no button.
    await page.goto(`${base}/letters/${id}`)
    assert.match(await page.textContent('#four-eyes-hint'), /You made the last change to this letter, so another officer must check and approve it\./)
    assert.equal(await page.$('#approve'), null, 'no live "Approve and send" for the last editor')
    await checkAccessible('letter page for its last editor')
    // "Send back" is a secondary button, not the red warning one.
    const reject = await page.getAttribute('#reject', 'class')
    assert.match(reject, /govuk-button--secondary/)
    assert.doesNotMatch(reject, /govuk-button--warning/)
    await shot('12-four-eyes-before-the-click')
    // The queue tags the letters she changed last; Ben's queue does not tag it, and he can approve it.
    await page.goto(base + '/queue')
    assert.match(await page.textContent(`#queue tr[data-letter="${id}"]`), /You changed this/)
    await ben.goto(base + '/queue')
    assert.doesNotMatch(await ben.textContent(`#queue tr[data-letter="${id}"]`), /You changed this/)
    await ben.goto(`${base}/letters/${id}`)
    assert.equal(await ben.$('#four-eyes-hint'), null)
    assert.ok(await ben.$('#approve'), 'another officer sees "Approve and send"')
  } finally {
    await other.close()
  }
})

// --- issue 18 items 6, 7, 10 (web-words) ---
// Rule codes where a person reads: VCL-NFA, VRR-OUT, RASSO-INTRO, ISVA-NOTE, WCU-HEARING, ...
const ruleCode = /\b(VCL|VRR|RASSO|FAM|SM|BRV|ISVA|WCU)-[A-Z]+\b/

// axe-core (npm, pinned in tests/browser/package.json) on the page as it is: no WCAG 2.x A or AA
// violation. Run through the debugging protocol, as a person's own extension would, so the page's
// Content-Security-Policy (no inline script) stays as it is.
// Declared as a function (hoisted), so checkAccessible above runs it on every page it checks.
async function axeCheck (what) {
  axeCheck.source ??= readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules/axe-core/axe.min.js'), 'utf8')
  await page.evaluate(axeCheck.source)
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, rules: { region: { enabled: true } } })
    return r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)
  })
  assert.deepEqual(found, [], `${what}: ${found.join('; ')}`)
}

await step('the link in an ISVA\'s email opens that notification as a page, in headings and lists, without underlines', async () => {
  await newSession()
  const n = sql("SELECT n FROM notifications WHERE isva_id = 'isva-1' ORDER BY n LIMIT 1")
  const email = sql(`SELECT text FROM notifications WHERE n = ${n}`)
  assert.match(email, /={5,}/, 'the email itself is plain text, with underlined headings')
  const link = email.match(/https?:\/\/[^\s()<>"]+/g).find(u => u.endsWith(`/n-${n}`))
  assert.ok(link, `the email links to the notification: ${email}`)
  // web.public_url is the daemon's own address in use; here it is on another port.
  const target = new URL(link).pathname
  assert.equal(target, `/inbox/n-${n}`)
  await page.goto(base + target)
  await signIn('isla-isva')
  assert.equal(new URL(page.url()).pathname, target)
  await checkAccessible('ISVA notification')
  const headings = await page.$$eval('#notification-text h2', hs => hs.map(h => h.textContent.trim()))
  assert.ok(headings.includes('What happened') && headings.includes('Who to contact'), `headings: ${headings}`)
  assert.ok((await page.$$('#notification-text ul.govuk-list--bullet li')).length >= 1, 'the contacts are a list')
  const shown = await page.innerText('#notification-text')
  assert.doesNotMatch(shown, /={3,}|-{5,}/)
  assert.match(shown, /Dear /)
  await axeCheck('ISVA notification')
  await shot('11-isva-notification')
})

await step('the signed-in bar is a landmark of its own', async () => {
  const bar = page.locator('nav[aria-label="Your account"]')
  assert.match(await bar.textContent(), /Signed in as\s+isla-isva/)
  assert.equal(await bar.locator('button:has-text("Sign out")').count(), 1)
  await page.goto(base + '/inbox')
  await axeCheck('ISVA inbox')
})

await step('the dashboard names rules as people do, in its charts and its tables', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('meg-manager')
  await page.goto(base + '/dashboard?from=2026-01-01&to=2026-12-31')
  const ruleChart = await page.textContent('#by-rule svg.vc-chart')
  assert.match(ruleChart, /Decision not to prosecute/)
  assert.doesNotMatch(ruleChart, ruleCode)
  const rows = await page.$$eval('#by-rule table tbody th', ths => ths.map(t => t.textContent.trim()))
  assert.ok(rows.includes('Decision not to prosecute'), `rows: ${rows}`)
  assert.doesNotMatch(await page.textContent('main'), ruleCode)
  // A long name wraps in the chart instead of being cut off.
  assert.doesNotMatch(ruleChart, /\u2026/)
  await page.locator('#by-rule svg.vc-chart').first().screenshot({ path: path.join(artefacts, '08b-dashboard-rule-chart.png') })
  await axeCheck('dashboard')
})

await step('the victim page says what happened in words, not codes', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('ben-officer')
  await page.goto(base + '/victims/v-c4-chris')
  const timeline = await page.textContent('#timeline')
  assert.match(timeline, /Victims' Right to Review requested/)
  assert.doesNotMatch(timeline, /Vrr/)
  // The rule book's own wording of a deadline (with its rule code) only inside a closed "details" part.
  assert.doesNotMatch(await page.innerText('main'), ruleCode)
  await axeCheck('victim page')
})

await step('the deadline explanation is closed at first, written for an officer, with the event and UTC offset in its details', async () => {
  const [letter, event] = sql("SELECT 'l-' || l.n, o.trigger_event FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE l.state = 'draft' ORDER BY l.n LIMIT 1").split('|')
  await page.goto(`${base}/letters/${letter}`)
  await checkAccessible('letter page')
  const explanation = page.locator('#deadline-explanation')
  assert.equal(await explanation.getAttribute('open'), null, 'closed by default')
  assert.equal(await page.isVisible('#deadline-summary'), false)
  await page.click('#deadline-explanation > summary')
  assert.ok(await page.isVisible('#deadline-summary'))
  const forOfficer = await page.innerText('#deadline-explanation')
  assert.match(forOfficer, /Due by/)
  assert.match(forOfficer, /working days?/)
  assert.doesNotMatch(forOfficer, /UTC/)
  assert.ok(!forOfficer.includes(event), `no event id until the details are opened: ${forOfficer}`)
  await page.click('#deadline-details > summary')
  const details = await page.innerText('#deadline-details')
  assert.match(details, /UTC[+-]\d\d:\d\d/)
  assert.ok(details.includes(event))
  await axeCheck('letter page, deadline opened')
  await shot('12-deadline-explanation')
})

// --- issue 18 item 4 (web-errors) ---
// A mistake in a form brings the same page back, GOV.UK style: "Error: " in the title, a summary at the top
// whose link takes the person to the field, the message beside the field in a group marked as in error.
async function checkErrorPattern (field, message) {
  assert.match(await page.title(), /^Error: /)
  const link = page.locator(`.govuk-error-summary a[href="#${field}"]`)
  assert.match(await link.textContent(), message)
  const group = await page.evaluate(id => {
    const f = document.getElementById(id)
    const g = f && f.closest('.govuk-form-group--error, .govuk-fieldset')?.closest('.govuk-form-group')
    return g ? { error: g.classList.contains('govuk-form-group--error'), message: g.querySelector('.govuk-error-message')?.textContent || '' } : null
  }, field)
  assert.ok(group, `no form group around #${field}`)
  assert.ok(group.error, `#${field}'s group is marked govuk-form-group--error`)
  assert.match(group.message, /^\s*Error:/)
  assert.match(group.message, message)
  await link.click()
  assert.equal(await page.evaluate(() => document.activeElement.id), field, 'the summary link takes focus to the field')
}

await step('errors: a wrong password brings sign-in back with the name kept and the error at the password', async () => {
  await newSession()
  await page.goto(base + '/login')
  await page.fill('#name', 'ben-officer')
  await page.fill('#password', 'not the right password')
  await go('button:has-text("Sign in")')
  await checkErrorPattern('password', /The name or the password is not right/)
  assert.equal(await page.inputValue('#name'), 'ben-officer')
  assert.equal(await page.inputValue('#password'), '')
  await axeCheck('sign-in with an error')
  await shot('18-4-sign-in-error')
})

await step('errors: a reason "other" without a note brings the victim page back, the form open as it was sent', async () => {
  await page.fill('#password', password)
  await go('button:has-text("Sign in")')
  // A victim with a missed obligation, whose page offers the reason form.
  const victims = sql("SELECT DISTINCT victim_id FROM obligations WHERE due_by < '2026-11-23' ORDER BY victim_id").split('\n')
  let found = false
  for (const v of victims) {
    await page.goto(`${base}/victims/${v}`)
    if (await page.$('form[action$="/reason"]')) { found = true; break }
  }
  assert.ok(found, 'a victim page with a reason form')
  const heading = await page.textContent('h1')
  const form = page.locator('form[action$="/reason"]').first()
  await form.locator('xpath=ancestor::details[1]/summary').click()
  const select = form.locator('select')
  const codeId = await select.getAttribute('id')
  const noteId = codeId.replace(/-code$/, '-note')
  await select.selectOption('other')
  await Promise.all([page.waitForNavigation(), form.locator('button').click()])
  assert.equal(await page.textContent('h1'), heading, 'the victim page again, not an error page')
  await checkErrorPattern(noteId, /Enter a note saying what the other reason was/)
  assert.equal(await page.inputValue(`#${codeId}`), 'other', 'the reason as chosen')
  assert.ok(await page.isVisible(`#${noteId}`), 'the form is open')
  await axeCheck('victim page with an error')
  await shot('18-4-victim-reason-error')
  // Put right, it is recorded.
  await page.fill(`#${noteId}`, 'The officer was called to court (demo).')
  await Promise.all([page.waitForNavigation(), page.locator(`#${noteId}`).locator('xpath=ancestor::form[1]//button').click()])
  assert.match(await page.textContent('#done'), /The reason is recorded/)
  assert.doesNotMatch(await page.title(), /^Error/)
})

await step('errors: dates on the dashboard and the audit log are date inputs; 31/12/2026 and 31/2/2026 come back at the field', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('meg-manager')
  await page.goto(base + '/dashboard')
  // Today is 23 November 2026: a period from 31 December 2026 would end before it starts.
  await page.fill('#from-day', '31')
  await page.fill('#from-month', '12')
  await page.fill('#from-year', '2026')
  await go('button:has-text("Show")')
  await checkErrorPattern('from-day', /The from date must be the same as or before the to date/)
  assert.deepEqual([await page.inputValue('#from-day'), await page.inputValue('#from-month'), await page.inputValue('#from-year')], ['31', '12', '2026'])
  assert.ok(await page.isVisible('#headline-figures'), 'the rest of the dashboard is there')
  await axeCheck('dashboard with an error')
  await shot('18-4-dashboard-date-error')
  // As people type: "1" and "01", a month as a number.
  await page.fill('#from-day', '1')
  await page.fill('#from-month', '04')
  await page.fill('#to-day', '31')
  await page.fill('#to-month', '12')
  await page.fill('#to-year', '2026')
  await go('button:has-text("Show")')
  assert.doesNotMatch(await page.title(), /^Error/)
  assert.match(await page.textContent('main'), /Obligations due from Wednesday 1 April 2026 to Thursday 31 December 2026/)
  // The audit log's filters: who is kept, the date typed comes back at its field.
  await page.goto(base + '/audit')
  await page.fill('#actor', 'meg-manager')
  await page.fill('#from-day', '31')
  await page.fill('#from-month', '2')
  await page.fill('#from-year', '2026')
  await go('button:has-text("Filter")')
  await checkErrorPattern('from-day', /The from date must be a real date/)
  assert.equal(await page.inputValue('#actor'), 'meg-manager')
  assert.equal(await page.inputValue('#from-day'), '31')
  await axeCheck('audit log with an error')
  await shot('18-4-audit-date-error')
  // The old single-field links keep working.
  await page.goto(base + '/audit?from=2026-11-01&to=2026-11-30&actor=meg-manager')
  assert.doesNotMatch(await page.title(), /^Error/)
  assert.equal(await page.inputValue('#from-month'), '11')
})

// --- issue 18 item 2 (web-letter): the letter read in the page, the decision under it, a print view ---
await step('the letter is read in the page at full height, the decision is right under it, and it prints on its own', async () => {
  await newSession()
  await page.goto(base + '/login')
  await signIn('ben-officer')
  // Ready for review, soonest due first, as the queue lists them: Ben approves the first nobody has changed, and
  // first changes the one after it, so that it is his to leave for another officer (four eyes).
  const ready = sql("SELECT 'l-' || n || '|' || COALESCE(last_edited_by, '') FROM letters WHERE state = 'draft' AND channel <> 'phone' AND version >= 1 ORDER BY due_by, n")
    .split('\n').map(r => r.split('|'))
  const at = ready.findIndex(([, by]) => by === '')
  assert.ok(at >= 0 && at + 1 < ready.length, `two letters ready for review: ${ready}`)
  const id = ready[at][0]
  const after = ready[at + 1][0]
  await page.goto(`${base}/letters/${after}`)
  await page.fill('#free_text', 'Ben added this line, so another officer must approve it.')
  await go('#save')

  await page.goto(`${base}/letters/${id}`)
  assert.equal(await page.$('iframe'), null, 'no frame: the letter is in the page')
  const m = await page.evaluate(() => {
    const letter = document.querySelector('#letter')
    const scrolling = [letter, ...letter.querySelectorAll('*')].filter(e => {
      const s = getComputedStyle(e)
      return ['auto', 'scroll'].includes(s.overflowY) || ['auto', 'scroll'].includes(s.overflowX) ||
        e.scrollHeight > e.clientHeight + 1 || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    }).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`)
    const box = letter.getBoundingClientRect()
    const approve = document.querySelector('#approve').getBoundingClientRect()
    return { scrolling, height: box.height, text: letter.innerText, approveBelow: approve.bottom - box.bottom, screen: window.innerHeight }
  })
  assert.deepEqual(m.scrolling, [], 'nothing in the letter scrolls on its own')
  assert.match(m.text, /Dear /)
  assert.ok(m.height > 900, `the letter at full height: ${m.height}px`)
  assert.ok(m.approveBelow > 0 && m.approveBelow <= m.screen, `"Approve and send" within one screen below the letter: ${m.approveBelow}px`)
  await checkAccessible('letter page, the letter in it')
  await page.screenshot({ path: path.join(artefacts, '18-2-letter-in-page.png'), fullPage: true })

  // The print view: the letter alone, as it will print, with no script; the browser prints it or saves a PDF.
  const res = await page.goto(`${base}/letters/${id}/print`)
  assert.equal(res.status(), 200)
  assert.match(res.headers()['content-security-policy'], /default-src 'none'/)
  assert.doesNotMatch(res.headers()['content-security-policy'], /script-src/)
  assert.match(await page.textContent('body'), /Dear /)
  await axeCheck('print view')
  await shot('18-2-letter-print-view')
  await page.pdf({ path: path.join(artefacts, '18-2-letter.pdf'), preferCSSPageSize: true })
  assert.equal(readFileSync(path.join(artefacts, '18-2-letter.pdf')).subarray(0, 5).toString(), '%PDF-')

  // Approved: the page offers the next letter Ben may approve, not the one he changed last.
  await page.goto(`${base}/letters/${id}`)
  await go('#approve')
  assert.match(await page.textContent('#done'), /approved/)
  const next = await page.getAttribute('#next-letter a', 'href')
  assert.ok(next, 'a next letter is offered')
  assert.notEqual(next, `/letters/${after}`, 'never one he changed last')
  assert.notEqual(sql(`SELECT COALESCE(last_edited_by, '') FROM letters WHERE n = ${next.replace('/letters/l-', '')}`), 'ben-officer')
  assert.equal(sql(`SELECT state FROM letters WHERE n = ${next.replace('/letters/l-', '')}`), 'draft')
  await page.screenshot({ path: path.join(artefacts, '18-2-next-letter.png') })
  await go('#next-letter a')
  assert.ok(await page.$('#approve'), 'the next letter can be approved by him')
})

// --- issue 18 item 8 (web-letter): reflow ---
// WCAG 1.4.10: at 320 CSS px nothing scrolls sideways but a table, inside its own box that the keyboard can
// reach; the audit log also at 640 px, which is what 200% zoom of a 1280 px window is.
async function checkReflow (what, width) {
  await page.setViewportSize({ width, height: 900 })
  const r = await page.evaluate(() => {
    const w = document.documentElement.clientWidth
    const sticking = [...document.querySelectorAll('body *')]
      .filter(e => !e.closest('.vc-table-scroll') && e.getBoundingClientRect().right > w + 0.5)
      .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${[...e.classList].map(c => '.' + c).join('')} to ${Math.round(e.getBoundingClientRect().right)}px`)
    const scrollers = [...document.querySelectorAll('body *')]
      .filter(e => !['TEXTAREA', 'SELECT', 'INPUT'].includes(e.tagName) && e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
      .filter(e => !e.matches('.vc-table-scroll[tabindex="0"][role="region"][aria-label]'))
      .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`)
    return { scrollWidth: document.documentElement.scrollWidth, sticking: sticking.slice(0, 6), scrollers }
  })
  assert.ok(r.scrollWidth <= width, `${what} at ${width}px is ${r.scrollWidth}px wide: ${r.sticking.join('; ')}`)
  assert.deepEqual(r.scrollers, [], `${what} at ${width}px: what scrolls sideways is a named table box the keyboard reaches`)
}

await step('reflow: no page scrolls sideways at 320px but inside a table\'s own box; the audit log fits at 640px (200% zoom)', async () => {
  const problemsAt = []
  const check = async (what, url, width = 320) => {
    try {
      if (url) await page.goto(base + url)
      await checkReflow(what, width)
      await page.screenshot({ path: path.join(artefacts, `18-8-reflow-${width}-${what.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true })
    } catch (e) {
      problemsAt.push(e.message)
    }
  }
  await newSession()
  await check('sign-in', '/login')
  await check('error page', '/no/such/page')
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(base + '/login')
  await signIn('anna-officer')
  await check('queue', '/queue?state=all')
  // The rule filter fits its box: its longest rule name does not push it out.
  const filter = await page.evaluate(() => {
    const s = document.querySelector('#rule').getBoundingClientRect()
    const box = document.querySelector('#rule').closest('.vc-filters').getBoundingClientRect()
    return { right: s.right, boxRight: box.right }
  })
  if (filter.right > filter.boxRight + 0.5) problemsAt.push(`the rule filter ends at ${filter.right}px, its box at ${filter.boxRight}px`)
  const letter = sql("SELECT 'l-' || n FROM letters WHERE state = 'draft' AND version >= 1 ORDER BY due_by, n LIMIT 1")
  await check('letter', `/letters/${letter}`)
  await check('victim', '/victims/v-c4-chris')
  await newSession()
  await page.goto(base + '/login')
  await signIn('meg-manager')
  await check('dashboard', '/dashboard?from=2026-01-01&to=2026-12-31')
  await check('audit', '/audit')
  await check('audit', null, 640)
  // At 200% zoom the audit log itself fits: its table needs no scrolling of its own.
  const audit = await page.evaluate(() => { const t = document.querySelector('#audit'); return { table: t.scrollWidth, box: t.parentElement.clientWidth } })
  if (audit.table > audit.box) problemsAt.push(`at 640px the audit table is ${audit.table}px wide in a ${audit.box}px box`)
  await newSession()
  const n = sql("SELECT n FROM notifications WHERE isva_id = 'isva-1' ORDER BY n LIMIT 1")
  await page.goto(`${base}/inbox/n-${n}`)
  await signIn('isla-isva')
  await check('ISVA notification', null)
  await check('ISVA inbox', '/inbox')
  await page.setViewportSize({ width: 1280, height: 900 })
  assert.deepEqual(problemsAt, [])
})

await step('no page broke its Content-Security-Policy or threw a script error', async () => {
  assert.deepEqual(problems, [])
})

await browser.close()
if (failures) {
  console.log(`${failures} step(s) failed; screenshots in ${artefacts}`)
  process.exit(1)
}
console.log(`all steps passed; screenshots in ${artefacts}`)
