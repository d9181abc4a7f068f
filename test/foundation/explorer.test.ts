// An explorer that works without the internet, in a real browser: headless Chromium
// (Debian's chromium, driven by playwright-core) with every request off the loopback
// interface refused opens the landing page, is told Apollo Sandbox cannot load and taken to
// GraphiQL (all its assets from the gateway), where a key goes in the header editor, a query
// runs and its result shows, and a subscription gets its first event over graphql-ws. The
// test saves screenshots. Where Chromium is not installed it says so and is skipped.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`explorer test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it`);
const SCREENSHOTS = path.join(projectRoot, 'test', 'screenshots');

let gw: TestGateway;
let browser: Browser;
const refused: string[] = [];

async function offlinePage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // Only the loopback interface answers: Apollo's CDN, fonts and everything else are refused.
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') return route.continue();
    refused.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  return page;
}

describe.skipIf(!present)('the explorer, offline', () => {
  beforeAll(async () => {
    gw = await startTestGateway('explorer', { DELIVERY_WORKER: 'false' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('turns from Sandbox to GraphiQL, which runs a query with the key from its header editor', async () => {
    const page = await offlinePage();
    try {
      await page.goto(gw.url, { waitUntil: 'domcontentloaded' });
      // The landing page says why, then opens GraphiQL.
      await page.waitForURL(/\/graphiql\?from=sandbox$/, { timeout: 20_000 });
      expect(refused.some((url) => url.includes('embeddable-sandbox.cdn.apollographql.com'))).toBe(true);
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 10_000 }).toContain('Apollo Sandbox could not be loaded');
      await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });

      // The key goes in the header editor, a query in the query editor.
      await page.getByText('Headers', { exact: true }).click();
      const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
      await headers.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${gw.adminKey}` }));
      const query = page.locator('.graphiql-query-editor .CodeMirror').first();
      await query.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText('{ viewer { accountId role } }');
      await page.locator('.graphiql-execute-button').click();
      const result = page.locator('.graphiql-response');
      await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('"accountId": "local"');
      expect(await result.textContent()).toContain('"role": "ADMIN"');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'graphiql-offline.png') });

      // The schema's docs come from the gateway too (introspection).
      await page.locator('[aria-label="Show Documentation Explorer"]').click();
      await expect.poll(() => page.locator('.graphiql-doc-explorer').textContent(), { timeout: 10_000 }).toContain('Query');
    } finally {
      await page.close();
    }
    // Every asset came from the gateway: nothing it needed was refused, only Sandbox's CDN and what Sandbox asks for.
    expect(refused.filter((url) => !/apollographql\.com|googleapis\.com|gstatic\.com/.test(url))).toEqual([]);
  }, 90_000);

  it('runs a subscription over graphql-ws with the key of the header editor', async () => {
    const page = await offlinePage();
    try {
      await page.goto(`${gw.base}/graphiql`, { waitUntil: 'domcontentloaded' });
      await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
      await page.getByText('Headers', { exact: true }).click();
      await page.locator('.graphiql-editor-tool .graphiql-editor').last().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${gw.adminKey}` }));
      await page.locator('.graphiql-query-editor .CodeMirror').first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText('subscription { eventRecorded { cursor event { id actionName } } }');
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => gw.gateway.managers.tail.openSubscriptions, { timeout: 15_000 }).toBe(1);
      const res = await gw.gql('mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', {
        i: { id: 'from-graphiql-test', action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location: 'us-south' },
      });
      expect(res.body.errors).toBeUndefined();
      await expect.poll(() => page.locator('.graphiql-response').textContent(), { timeout: 15_000 }).toContain('from-graphiql-test');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'graphiql-subscription.png') });
    } finally {
      await page.close();
    }
  }, 90_000);
});
