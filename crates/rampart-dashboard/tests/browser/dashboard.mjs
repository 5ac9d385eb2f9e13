// The dashboard in a real browser: Debian's chromium (/usr/bin/chromium, or $RAMPART_CHROMIUM)
// driven by playwright-core. Usage: node dashboard.mjs BASE_URL TOKEN OUT_DIR FLOW_FINDING FLOW_PROJECT
// Logs in with the token, opens every page, filters with htmx, triages a finding through the
// form, opens a data flow (FLOW_FINDING, a taint finding of FLOW_PROJECT whose repository the
// server reads) and clicks its graph, checks keyboard access and the phone layout, and writes
// screenshots to OUT_DIR. Prints
// one JSON line at the end: {"triaged": FINDING_ID, "screenshots": [...]}. Any failure exits 1.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, token, out, flowFinding, flowProject] = process.argv.slice(2);
if (!base || !token || !out || !flowFinding || !flowProject) {
  console.error('usage: node dashboard.mjs BASE_URL TOKEN OUT_DIR FLOW_FINDING FLOW_PROJECT');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const shots = [];
const problems = [];

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

async function shot(page, name) {
  const path = join(out, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  shots.push(path);
}

const browser = await chromium.launch({
  executablePath: process.env.RAMPART_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
let triaged = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Console errors (a blocked script or style, a script error) fail the test; the statuses of
  // pages this script asks for on purpose (401, 404, 422) are checked where they are asked.
  const expected = /^Failed to load resource: the server responded with a status of (401|404|422)/;
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  // Not logged in: the login page, which comes back to the asked page afterwards.
  await page.goto(`${base}/ui/settings`);
  check(new URL(page.url()).pathname === '/ui/login', `redirected to login, at ${page.url()}`);
  await shot(page, 'login');

  // A wrong token is refused with a message.
  await page.fill('#token', 'rpt_not_a_token');
  await page.click('button[type=submit]');
  check((await page.locator('[role=alert]').innerText()).includes('not valid'), 'wrong token refused');

  await page.fill('#token', token);
  await Promise.all([page.waitForURL('**/ui/settings'), page.click('button[type=submit]')]);
  check((await page.locator('h1').innerText()) === 'Settings', 'settings after login');
  check((await page.locator('#tokens-title').count()) === 1, 'admin sees tokens');
  await shot(page, 'settings');

  // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.goto(`${base}/ui/`);
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement?.classList.contains('skip')), 'skip link first');
  await page.keyboard.press('Enter');
  check(await page.evaluate(() => document.activeElement?.id === 'main'), 'skip link moves focus');

  // Portfolio.
  check((await page.locator('h1').innerText()) === 'Portfolio', 'portfolio heading');
  check((await page.locator('table.portfolio tbody tr').count()) >= 2, 'projects listed');
  check((await page.locator('svg.spark polyline').count()) >= 2, 'sparklines drawn');
  await shot(page, 'portfolio');

  // Project: chart, findings, filters (htmx swaps the table and updates the address).
  await Promise.all([page.waitForURL('**/ui/projects/*'), page.click('table.portfolio a:text("web")')]);
  check((await page.locator('.chart svg polyline.line').count()) >= 1, 'trend chart lines');
  const rows = await page.locator('table.findings tbody tr').count();
  check(rows >= 3, `findings listed (${rows})`);
  await shot(page, 'project');
  await page.selectOption('#f-severity', 'critical');
  await page.waitForURL('**severity=critical**');
  await page.waitForFunction(
    (n) => document.querySelectorAll('table.findings tbody tr').length < n, rows);
  const crit = await page.locator('table.findings tbody tr .sev').allInnerTexts();
  check(crit.length >= 1 && crit.every((s) => s.toLowerCase() === 'critical'), `only critical: ${crit}`);
  await page.goto(`${base}${new URL(page.url()).pathname}`);

  // A finding: triage it through the form.
  const link = page.locator('table.findings tbody tr a').first();
  const href = await link.getAttribute('href');
  triaged = Number(href.split('/').pop());
  await Promise.all([page.waitForURL(`**/ui/findings/${triaged}`), link.click()]);
  check((await page.locator('pre.snippet').count()) >= 1, 'snippet shown');
  await shot(page, 'finding');
  await page.selectOption('#t-state', 'false_positive');
  await page.selectOption('#t-scope', 'project');
  await page.fill('#t-reason', 'Test fixture, not a real secret (browser test)');
  await Promise.all([page.waitForURL('**saved=1**'), page.click('.triage-form button[type=submit]')]);
  check((await page.locator('[role=status]').innerText()).includes('saved'), 'saved notice');
  const hist = await page.locator('ol.history').innerText();
  check(hist.includes('triaged false positive') && hist.includes('browser test'), 'decision in history');
  await shot(page, 'finding-triaged');

  // A refused decision (not_affected without a justification) keeps the form and says why.
  await page.selectOption('#t-state', 'not_affected');
  await page.fill('#t-reason', 'no justification given');
  await page.click('.triage-form button[type=submit]');
  await page.waitForSelector('[role=alert]');
  check((await page.locator('[role=alert]').innerText()).includes('justification'), 'refusal explained');
  check((await page.inputValue('#t-reason')) === 'no justification given', 'form kept');

  // Component, from the project's inventory.
  await page.goto(`${base}/ui/projects/${await page.locator('.crumbs a').nth(1).getAttribute('href').then((h) => h.split('/').pop())}`);
  const comp = page.locator('table.inventory a').first();
  await Promise.all([page.waitForURL('**/ui/components?**'), comp.click()]);
  check((await page.locator('h2#use-title').count()) === 1, 'component usages');
  check((await page.locator('main table tbody tr').count()) >= 1, 'component used somewhere');
  await shot(page, 'component');

  // A taint finding: its code at the commit, the finding's line marked, and its data flow.
  await page.goto(`${base}/ui/findings/${flowFinding}`);
  check((await page.locator('pre.code .cl.hit').count()) >= 1, 'code frame with the finding marked');
  check((await page.locator('.frame figcaption').first().innerText()).startsWith('Code at commit'), 'frame says its source');
  await Promise.all([page.waitForURL(`**/ui/findings/${flowFinding}/flow`), page.click('.flow-link a')]);
  const nodes = page.locator('svg.flow a.node');
  check((await nodes.count()) === 6, `one node per step (${await nodes.count()})`);
  check((await page.locator('svg.flow g.file-box').count()) === 3, 'one box per file');
  await shot(page, 'flow');
  // Clicking a node shows its step's code (no script: the node is a link to the step).
  await nodes.nth(3).click();
  await page.waitForFunction(() => location.hash === '#step-4');
  const stepInView = await page.evaluate(() => {
    const r = document.getElementById('step-4').getBoundingClientRect();
    return r.top >= -1 && r.top < window.innerHeight;
  });
  check(stepInView, 'step 4 scrolled into view');
  check((await page.locator('#step-4 pre.code').innerText()).includes('key = who.lower()'), 'step 4 code shown');
  check(await page.locator('#step-4 .cl.hit').isVisible(), 'step 4 line marked and visible');
  await page.screenshot({ path: join(out, 'flow-step.png') });
  shots.push(join(out, 'flow-step.png'));
  // Keyboard: the nodes are focusable links; Enter follows one.
  await page.goto(`${base}/ui/findings/${flowFinding}/flow`);
  await nodes.first().focus();
  check(await page.evaluate(() => document.activeElement?.classList.contains('node')), 'a node takes focus');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#step-1');
  // The project's flows: findings sharing a sink drawn as one graph.
  await page.goto(`${base}/ui/projects/${flowProject}/flows`);
  check((await page.locator('section.flow-group').count()) === 1, 'one group');
  check((await page.locator('section.flow-group svg.flow a.node').count()) === 8, 'merged nodes');
  check((await page.locator('section.flow-group .flow-findings li').count()) === 2, 'both findings listed');
  await shot(page, 'flows');

  // Another tenant's project: the 404 page.
  const resp = await page.goto(`${base}/ui/projects/999999`);
  check(resp.status() === 404, `404 for an unknown project, got ${resp.status()}`);
  check((await page.locator('h1').innerText()) === 'Not found', '404 page');

  // Phone width.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const cookies = await context.cookies();
  await phone.addCookies(cookies);
  const p2 = await phone.newPage();
  await p2.goto(`${base}/ui/`);
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `no sideways scrolling of the page on a phone (${overflow}px)`);
  await shot(p2, 'portfolio-phone');
  // The flow page on a phone: the graph scrolls sideways in its frame, the page does not.
  await p2.goto(`${base}/ui/findings/${flowFinding}/flow`);
  const flowOverflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(flowOverflow <= 1, `no sideways scrolling of the flow page on a phone (${flowOverflow}px)`);
  await shot(p2, 'flow-phone');
  await phone.close();

  // Logout ends the session: the next page asks to log in again.
  await page.goto(`${base}/ui/`);
  await Promise.all([page.waitForURL('**/ui/login'), page.click('form.logout button')]);
  await page.goto(`${base}/ui/`);
  check(new URL(page.url()).pathname === '/ui/login', 'logged out');

  check(problems.length === 0, `no console errors: ${problems.join('; ')}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ triaged, screenshots: shots }));
