/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { ErrorCode, NodeAction, ShoalError } from '@shoal/models';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ApiTokens } from '../api/auth.js';
import { pathId } from '../api/path-params.js';
import { parseQuery } from '../api/query.js';
import type { LogRelay } from '../logs/relay.js';
import type { JobService } from '../service/job-service.js';
import type { NodeService } from '../service/node-service.js';
import type { Store } from '../store/types.js';
import { errorPage, guard, loginRoutes, refuseCrossSite } from './gate.js';
import { JobPage, JobStatus, loadJob } from './job-page.js';
import { JobFilters, JobsTable, loadJobs } from './jobs-list.js';
import { Layout, sendFragment, sendPage } from './layout.js';
import { DEFAULT_LOG_LIMITS, type LogLimits } from './log-collector.js';
import { LogsFragment, loadLogView } from './logs-view.js';
import { loadNodes, NodesTable } from './nodes-page.js';
import { JobsPageParams } from './params.js';
import { readSession, type UiEnv, uiSession } from './session.js';
import { STATIC_ASSETS, serveAsset } from './static.js';

/**
 * The web dashboard under /ui: server-rendered pages over the same services the API calls, with
 * htmx reloading the parts that change. gate.ts decides who may see and press what.
 */

export interface DashboardDeps {
  jobs: JobService;
  nodes: NodeService;
  store: Store;
  logs: LogRelay | undefined;
  logger: Logger;
  auth: ApiTokens | undefined;
  logLimits?: LogLimits;
}

export function dashboard(deps: DashboardDeps): Hono<UiEnv> {
  const { jobs, nodes } = deps;
  const session = uiSession(deps.auth);
  const logSources = { store: deps.store, relay: deps.logs, limits: deps.logLimits ?? DEFAULT_LOG_LIMITS };
  const ui = new Hono<UiEnv>();
  for (const asset of STATIC_ASSETS) ui.get(asset.path, (c) => serveAsset(c, asset));
  ui.use('*', readSession(session), refuseCrossSite);
  loginRoutes(ui, session);
  ui.use('*', guard());

  const frame = (c: { get(key: 'access'): UiEnv['Variables']['access'] }, title: string) => ({
    title,
    access: c.get('access'),
    loginRequired: session.required,
  });

  ui.get('/', async (c) => {
    const q = parseQuery(c, JobsPageParams);
    const listing = await loadJobs(jobs, q);
    return sendPage(
      c,
      <Layout {...frame(c, 'Jobs')}>
        <JobFilters q={q} />
        <JobsTable listing={listing} q={q} />
      </Layout>,
    );
  });
  ui.get('/jobs/rows', async (c) => {
    const q = parseQuery(c, JobsPageParams);
    return sendFragment(c, <JobsTable listing={await loadJobs(jobs, q)} q={q} />);
  });
  ui.get('/jobs/:jobID', async (c) => {
    const view = await loadJob(jobs, pathId(c, 'jobID'));
    const title = `Job ${view.Job.Name || view.Job.ID}`;
    return sendPage(
      c,
      <Layout {...frame(c, title)}>
        <JobPage view={view} access={c.get('access')} />
      </Layout>,
    );
  });
  ui.get('/jobs/:jobID/status', async (c) => {
    const view = await loadJob(jobs, pathId(c, 'jobID'));
    return sendFragment(c, <JobStatus view={view} access={c.get('access')} />);
  });
  ui.get('/jobs/:jobID/logs', async (c) => {
    const { Job: job } = await jobs.describe(pathId(c, 'jobID'));
    return sendFragment(c, <LogsFragment view={await loadLogView(logSources, job)} />);
  });
  ui.post('/jobs/:jobID/stop', async (c) => {
    const { Job: job } = await jobs.describe(pathId(c, 'jobID'));
    await jobs.stop(job.ID, 'stopped from the dashboard');
    return c.redirect(`/ui/jobs/${job.ID}`, 303);
  });

  ui.get('/nodes', async (c) =>
    sendPage(
      c,
      <Layout {...frame(c, 'Nodes')}>
        <NodesTable nodes={await loadNodes(nodes)} access={c.get('access')} />
      </Layout>,
    ),
  );
  ui.get('/nodes/rows', async (c) =>
    sendFragment(c, <NodesTable nodes={await loadNodes(nodes)} access={c.get('access')} />),
  );
  const decide = (Action: typeof NodeAction.Approve | typeof NodeAction.Reject) =>
    ui.post(`/nodes/:nodeID/${Action}`, async (c) => {
      await nodes.act(pathId(c, 'nodeID'), { Action, Message: `${Action}d from the dashboard` });
      return c.redirect('/ui/nodes', 303);
    });
  decide(NodeAction.Approve);
  decide(NodeAction.Reject);

  ui.all('*', (c) => {
    if (c.req.path === '/ui/') return c.redirect('/ui', 308);
    throw new ShoalError(ErrorCode.NotFound, `no dashboard page at ${c.req.path}`, {
      component: 'Dashboard',
      hint: 'start from /ui',
    });
  });
  ui.onError(errorPage(deps.logger, session));
  return ui;
}
