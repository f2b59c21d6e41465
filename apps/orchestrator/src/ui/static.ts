import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Context } from 'hono';
import { DASHBOARD_CSS } from './styles.js';

/**
 * The dashboard's two static files, served from memory: htmx from its npm package (never a CDN,
 * so the dashboard works on a cluster without Internet access) and the stylesheet. Their URLs
 * carry a digest of the content, so a browser may keep them for a year and still never runs a
 * stale copy after an upgrade.
 */

interface Asset {
  path: string;
  body: string;
  type: string;
}

function asset(name: string, extension: string, body: string, type: string): Asset {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/static/${name}.${digest}.${extension}`, body, type };
}

const htmxFile = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');

export const HTMX = asset('htmx', 'min.js', readFileSync(htmxFile, 'utf8'), 'text/javascript; charset=utf-8');
export const STYLES = asset('dashboard', 'css', DASHBOARD_CSS, 'text/css; charset=utf-8');
export const STATIC_ASSETS: readonly Asset[] = [HTMX, STYLES];

export function serveAsset(c: Context, file: Asset): Response {
  return c.body(file.body, 200, {
    'Content-Type': file.type,
    'Cache-Control': 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  });
}
