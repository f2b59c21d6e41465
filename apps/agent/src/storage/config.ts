import {
  DOCKER_SOCKETS,
  FORBIDDEN_SUBTREES,
  type HostPathRule,
  isWithin,
  normalisePath,
} from '@shoal/models';
import { z } from 'zod';
import { duration, size } from '../executor/docker/config.js';

/**
 * The agent settings of input sources, spread into AgentConfigSchema: which local paths tasks may
 * mount, and the bounds of a download.
 */

export const STORAGE_DEFAULTS = {
  downloadMaxBytes: 10 * 1024 ** 3,
  downloadTimeoutMs: 30 * 60_000,
};

/** `/data`, `/data:ro` or `/data:rw` → a rule; the problem with it otherwise. */
export function parseLocalPathRule(text: string): HostPathRule | string {
  const match = /^(.*?)(?::(ro|rw))?$/.exec(text.trim());
  const raw = match?.[1] ?? '';
  if (!raw.startsWith('/'))
    return `${JSON.stringify(text)}: must be an absolute path, optionally with :ro or :rw`;
  if (raw.includes(':')) return `${JSON.stringify(text)}: use PATH, PATH:ro or PATH:rw`;
  if (raw.split('/').includes('..') || raw.includes('\0'))
    return `${JSON.stringify(text)}: must not contain ".." segments`;
  const path = normalisePath(raw);
  const system =
    path === '/' ||
    FORBIDDEN_SUBTREES.some((tree) => isWithin(path, tree)) ||
    DOCKER_SOCKETS.some((socket) => isWithin(socket, path));
  if (system)
    return `${JSON.stringify(text)}: ${path} can never be mounted (the host's system or Docker socket)`;
  return { path, readWrite: match?.[2] === 'rw' };
}

const localPathRules = z.union([z.string(), z.array(z.string())]).transform((value, ctx): HostPathRule[] => {
  const entries = typeof value === 'string' ? [value] : value;
  const rules: HostPathRule[] = [];
  for (const entry of entries) {
    const rule = parseLocalPathRule(entry);
    if (typeof rule === 'string') {
      ctx.addIssue({ code: 'custom', message: rule });
      return z.NEVER;
    }
    rules.push(rule);
  }
  return rules;
});

export const STORAGE_CONFIG_FIELDS = {
  /** Host paths tasks may mount as localDirectory inputs (`/data:ro`, `/scratch:rw`); none by default. */
  allowLocalPaths: localPathRules.default([]),
  /** Largest urlDownload input. */
  downloadMaxSize: size(1, 1024 ** 4).default(STORAGE_DEFAULTS.downloadMaxBytes),
  /** Bound of one urlDownload input, redirects included (not counted in the execution timeout). */
  downloadTimeout: duration(1_000, 86_400_000).default(STORAGE_DEFAULTS.downloadTimeoutMs),
};
