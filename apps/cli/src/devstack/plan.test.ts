import { describe, expect, it } from 'vitest';
import {
  agentArgs,
  agentUp,
  capacityArgs,
  type DevstackConfig,
  findListening,
  orchestratorArgs,
  planNodes,
  tail,
} from './plan.js';

const config: DevstackConfig = {
  nodes: 3,
  apiHost: '127.0.0.1',
  apiPort: 1234,
  natsPort: 4222,
  dataDir: '/srv/ds',
  db: undefined,
  natsUrl: undefined,
  engines: ['docker', 'noop'],
  logLevel: 'info',
  hello: false,
  helloImage: 'busybox',
};

describe('the devstack plan', () => {
  it('gives every node its own name, labels, state and log', () => {
    const plans = planNodes({ nodes: 28, dataDir: '/srv/ds' });
    expect(plans[0]).toEqual({
      name: 'node-1',
      labels: 'zone=a,name=node-1',
      dataDir: '/srv/ds/nodes/node-1',
      logFile: '/srv/ds/logs/node-1.log',
    });
    expect(plans.map((p) => p.labels).slice(1, 3)).toEqual(['zone=b,name=node-2', 'zone=c,name=node-3']);
    expect(plans[26]?.labels).toBe('zone=a,name=node-27');
    expect(new Set(plans.map((p) => p.labels)).size).toBe(28);
  });

  it('starts the orchestrator with its own nats-server, or on the given NATS and store', () => {
    expect(orchestratorArgs(config, 1300, 4300)).toEqual([
      ...['serve', '--orchestrator', '--api-host', '127.0.0.1', '--api-port', '1300'],
      ...['--data-dir', '/srv/ds', '--log-level', 'info', '--nats-port', '4300'],
    ]);
    const external = orchestratorArgs({ ...config, natsUrl: 'nats://n:4222', db: 'postgres://db/x' }, 1, 2);
    expect(external.slice(-4)).toEqual(['--db', 'postgres://db/x', '--nats-url', 'nats://n:4222']);
    expect(external).not.toContain('--nats-port');
  });

  it('starts each agent on the orchestrator’s NATS with the chosen engines', () => {
    const [node] = planNodes(config);
    expect(agentArgs(config, node as never, 'nats://127.0.0.1:4300', ['noop'])).toEqual([
      ...['serve', '--compute', '--nats-url', 'nats://127.0.0.1:4300', '--name', 'node-1'],
      ...['--labels', 'zone=a,name=node-1', '--data-dir', '/srv/ds/nodes/node-1', '--engines', 'noop'],
      ...['--capacity-fraction', '0.2666', '--log-level', 'info'],
    ]);
  });

  it('gives each agent a share of the host, or the CPU and memory asked for', () => {
    expect(capacityArgs({ nodes: 1 })).toEqual(['--capacity-fraction', '0.8']);
    expect(capacityArgs({ nodes: 4, nodeCpu: '1500m', nodeMemory: '2Gi' })).toEqual([
      ...['--capacity-fraction', '0.2', '--cpu', '1500m', '--memory', '2Gi'],
    ]);
  });

  it('puts each --node-labels on its node, over the default zone and name', () => {
    const plans = planNodes({ nodes: 3, dataDir: '/d', nodeLabels: ['gpu=yes,zone=x', ''] });
    expect(plans.map((p) => p.labels)).toEqual([
      'zone=x,name=node-1,gpu=yes',
      'zone=b,name=node-2',
      'zone=c,name=node-3',
    ]);
  });

  it('reads the last listening line of the orchestrator', () => {
    const out =
      'Shoal orchestrator n-1 listening on http://127.0.0.1:1 (NATS nats://127.0.0.1:2)\n' +
      '{"msg":"x"}\nShoal orchestrator n-1 listening on http://127.0.0.1:3 (NATS nats://127.0.0.1:4)\n';
    expect(findListening(out)).toEqual({
      nodeId: 'n-1',
      apiUrl: 'http://127.0.0.1:3',
      natsUrl: 'nats://127.0.0.1:4',
    });
    expect(findListening('{"msg":"orchestrator listening"}')).toBeUndefined();
  });

  it('counts an agent up once it started and, when logs show it, was accepted', () => {
    const started = 'Shoal compute agent node-1 started\n';
    expect(agentUp(started, 'warn')).toBe(true);
    expect(agentUp(started, 'info')).toBe(false);
    expect(agentUp(`${started}{"msg":"handshake accepted"}`, 'info')).toBe(true);
    expect(agentUp('{"msg":"handshake accepted"}', 'debug')).toBe(false);
  });

  it('quotes the last lines of a log, indented', () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    expect(tail(log, 2)).toBe('    line 28\n    line 29');
  });
});
