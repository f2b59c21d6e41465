import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJson } from '@shoal/models';
import { describeWithServices, getFreePort, makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShoal, startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/** `shoal job run` against a real orchestrator and two noop agents. */

const YAML_JOB = `# a noop job, as a user writes it
Type: batch
Labels:
  suite: run
Tasks:
  - Name: main
    Engine:
      Type: noop
      Params:
        Stdout: "hello from yaml\\n"
`;

const noop = (params: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  Type: 'batch',
  Labels: labels,
  Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: params } }],
});

/** No node has zone=nowhere; a 1 s queue timeout fails the job soon after, naming why. */
const NOWHERE = JSON.stringify({
  Type: 'batch',
  Constraints: [{ Key: 'zone', Operator: '=', Values: ['nowhere'] }],
  Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} }, Timeouts: { QueueTimeout: 1 } }],
});

describeWithServices(['nats'], 'shoal job run', () => {
  let cluster: TestCluster;
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('shoal-cli-run-');
    cluster = await startTestCluster({
      agents: [
        { name: 'run-a', labels: { zone: 'a' } },
        { name: 'run-b', labels: { zone: 'b' } },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
  });

  const file = async (name: string, text: string) => {
    const path = join(dir.path, name);
    await writeFile(path, text);
    return path;
  };

  it('runs a YAML file and waits, as Bacalhau’s CLI does: the state on stderr, the job’s stdout on stdout, exit 0', async () => {
    const run = await cluster.cli(['job', 'run', await file('job.yaml', YAML_JOB)]);
    expect(run.stderr).toMatch(/^Job j-[0-9a-f]{8} (Pending|Queued|Running)\n/);
    expect(run.stderr).toMatch(/Job j-[0-9a-f]{8} Completed \(exit code 0\)\n$/);
    expect(run.stdout).toBe('hello from yaml\n');
    expect(run.code).toBe(0);
  });

  it('runs a JSON file wrapped as {Job: …}, and a job from stdin', async () => {
    const json = JSON.stringify({ Job: noop({ Stdout: 'from json\n' }) });
    const fromJson = await cluster.cli(['job', 'run', await file('job.json', json), '--wait']);
    expect([fromJson.code, fromJson.stdout]).toEqual([0, 'from json\n']);
    const fromStdin = await cluster.cli(['job', 'run', '-', '--wait'], {
      stdin: YAML_JOB.replace('hello from yaml', 'hello from stdin'),
    });
    expect([fromStdin.code, fromStdin.stdout]).toEqual([0, 'hello from stdin\n']);
  });

  it('exits 1 when the job fails without running, and with the task’s code when it exits non-zero', async () => {
    const failing = await cluster.cli(['job', 'run', '-', '--wait'], { stdin: NOWHERE });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toBe('');
    expect(failing.stderr).toMatch(
      /Job j-[0-9a-f]{8} Failed: .*no node satisfies the constraints.*zone=nowhere/,
    );

    const nonZero = await cluster.cli(['job', 'run', '-', '--wait'], {
      stdin: JSON.stringify(noop({ Stdout: 'partial\n', Stderr: 'oops\n', ExitCode: 3 })),
    });
    expect(nonZero.code).toBe(3);
    expect(nonZero.stdout).toBe('partial\n');
    expect(nonZero.stderr).toContain('oops\n');
    expect(nonZero.stderr).toMatch(/Failed \(exit code 3\)/);
  });

  it('prints each execution’s output when there are several', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait'], {
      stdin: JSON.stringify({ ...noop({ Stdout: 'part\n' }), Count: 2 }),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('part\npart\n');
    expect(run.stderr.match(/--- execution e-[0-9a-f]{8} on run-[ab] \(exit code 0\) ---/g)).toHaveLength(2);
  });

  it('with --wait=false prints the id and how to follow it; --id-only prints just the id', async () => {
    const plain = await cluster.cli(['job', 'run', '-', '--wait=false'], { stdin: YAML_JOB });
    expect(plain.code).toBe(0);
    const id = /^Job successfully submitted\. Job ID: (j-[0-9a-f-]{36})\n/.exec(plain.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(plain.stdout).toContain(`shoal job describe ${id.slice(0, 10)}`);
    expect(plain.stdout).toContain(`shoal job logs --follow ${id.slice(0, 10)}`);

    const idOnly = await cluster.cli(['job', 'run', '-', '--id-only', '--wait=false'], { stdin: NOWHERE });
    expect(idOnly).toEqual({ code: 0, stdout: expect.stringMatching(/^j-[0-9a-f-]{36}\n$/), stderr: '' });

    // Waiting, the default: the id first, then nothing until the job's exit code.
    const quietWait = await cluster.cli(['job', 'run', '-', '--id-only'], { stdin: NOWHERE });
    expect(quietWait.stdout).toMatch(/^j-[0-9a-f-]{36}\n$/);
    expect(quietWait.stderr).toBe('');
    expect(quietWait.code).toBe(1);
  });

  it('prints the server’s warnings, and with --output json the whole final job', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait', '--output', 'json'], {
      stdin: JSON.stringify({ ...noop({ Stdout: 'x' }), CreateTime: 12 }),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('Warning: job create time is ignored when submitting a job\n');
    const printed = decodeJson(run.stdout) as { Job: { ID: string; CreateTime: bigint } };
    const raw = await (await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${printed.Job.ID}`)).text();
    expect(printed.Job).toEqual((decodeJson(raw) as { Job: unknown }).Job);
    expect(typeof printed.Job.CreateTime).toBe('bigint');
  });

  it('--dry-run checks with the server’s rules and prints the normalised job, submitting nothing', async () => {
    // An API nobody listens on: a dry run never calls it.
    const env = { SHOAL_API: 'http://127.0.0.1:9' };
    const yaml = await runShoal(undefined, ['job', 'run', '-', '--dry-run'], { stdin: YAML_JOB, env });
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain('Type: batch\n');
    expect(yaml.stdout).toContain('CPU: 500m\n');
    expect(yaml.stdout).not.toMatch(/^ID:|CreateTime|State:/m);

    const json = await runShoal(undefined, ['job', 'run', '-', '--dry-run', '-o', 'json'], {
      stdin: JSON.stringify({ ...noop({ Stdout: 'x' }), Name: 'named' }),
      env,
    });
    expect(json.code).toBe(0);
    expect(decodeJson(json.stdout)).toMatchObject({
      Name: 'named',
      Namespace: 'default',
      Count: 1,
      Tasks: [{ Resources: { CPU: '500m', Memory: '512Mb' }, Network: { Type: 'None' } }],
    });

    const bad = await runShoal(undefined, ['job', 'run', '-', '--dry-run'], {
      stdin: JSON.stringify({
        Type: 'nightly',
        Tasks: [{ Name: 't', Engine: { Type: 'noop', Params: { Delay: 'soon' } } }],
      }),
      env,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /^Error: invalid request: Job\.Type: invalid job type: "nightly".*Job\.Tasks\[0\]\.Engine\.Params\.Delay/,
    );
  });
});

describe('shoal job run: bad input', () => {
  // A port nothing listens on: these commands either never reach the API or must say it is down.
  const offline = { env: { SHOAL_API: '' } };
  beforeAll(async () => {
    offline.env.SHOAL_API = `http://127.0.0.1:${await getFreePort()}`;
  });

  it.each([
    [
      'a missing file',
      ['job', 'run', '/nonexistent/job.yaml'],
      '',
      /^Error: cannot read job file \/nonexistent\/job\.yaml: no such file\n$/,
    ],
    [
      'invalid YAML, with its line',
      ['job', 'run', '-'],
      'Type: batch\nTasks:\n  - Name: x\n   Engine: {}\n',
      /^Error: invalid YAML\/JSON in stdin: .* at line 4, column \d+\n$/,
    ],
    [
      'invalid JSON, with its line',
      ['job', 'run', '-'],
      '{\n  "Type": "batch",\n  "Tasks": [}\n',
      /^Error: invalid YAML\/JSON in stdin: .* at line 3, column \d+\n$/,
    ],
    ['an empty file', ['job', 'run', '-'], '', /^Error: stdin is empty: expected a job\n$/],
    [
      'a list instead of a job',
      ['job', 'run', '-'],
      '- Type: batch\n',
      /^Error: stdin must hold one job .*not a list\n$/,
    ],
    [
      'keys beside Job',
      ['job', 'run', '-'],
      'Job: {Type: batch}\nExtra: 1\n',
      /^Error: stdin: unknown key next to Job: Extra\n$/,
    ],
  ])('%s: one line, exit 2', async (_name, args, stdin, message) => {
    const run = await runShoal(undefined, [...args, '--dry-run'], { stdin, ...offline });
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
  });

  it('an unknown flag or a missing argument is a usage error', async () => {
    const flag = await runShoal(undefined, ['job', 'run', 'x.yaml', '--frobnicate'], offline);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: unknown option '--frobnicate'\n/);
    const missing = await runShoal(undefined, ['job', 'run'], offline);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'file'/);
    const format = await runShoal(undefined, ['job', 'run', 'x', '--output', 'xml'], offline);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--output.*must be one of table, wide, json, yaml/);
  });

  it('a refused connection names the API and how to start one, in one line, exit 1', async () => {
    const run = await runShoal(undefined, ['job', 'run', '-'], { stdin: YAML_JOB, ...offline });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^Error: cannot reach the Shoal API at http:\/\/127\.0\.0\.1:\d+: connection refused\. .*shoal serve --orchestrator.*SHOAL_API.*\n$/,
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describeWithServices(['nats'], 'shoal job logs and --follow', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ agents: [{ name: 'logs-a', labels: { zone: 'a' } }] });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('--follow streams stdout and stderr as they come, then says how the job ended', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--follow'], {
      stdin: JSON.stringify(noop({ Stdout: 'out 1\nout 2\n', Stderr: 'err 1\n', Delay: '300ms' })),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('out 1\nout 2\n');
    expect(run.stderr).toMatch(/^err 1\nJob j-[0-9a-f]{8} Completed \(exit code 0\)\n$/);
  });

  it('-f (--follow, as in Bacalhau’s CLI) of a job that never runs ends with its state and exit 1', async () => {
    const run = await cluster.cli(['job', 'run', '-', '-f'], { stdin: NOWHERE });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Job j-[0-9a-f]{8} Failed: .*no node satisfies the constraints.*\n$/);
  });

  it('job logs prints an execution’s logs, all of them or the tail, by job or execution id', async () => {
    const started = await cluster.cli(['job', 'run', '-', '--wait', '--id-only'], {
      stdin: JSON.stringify(noop({ Stdout: 'one\ntwo\nthree\n', Stderr: 'warn\n' })),
    });
    const id = started.stdout.trim();
    const all = await cluster.cli(['job', 'logs', id.slice(0, 10)]);
    expect(all).toEqual({ code: 0, stdout: 'one\ntwo\nthree\n', stderr: 'warn\n' });
    const tail = await cluster.cli(['job', 'logs', id, '--tail', '1']);
    expect(tail.stdout).toBe('three\n');

    const executions = decodeJson((await cluster.cli(['job', 'executions', id, '-o', 'json'])).stdout) as {
      Executions: Array<{ ID: string }>;
    };
    const execution = executions.Executions[0]?.ID ?? '';
    const byExecution = await cluster.cli(['job', 'logs', id, '--execution', execution.slice(0, 10)]);
    expect(byExecution.stdout).toBe('one\ntwo\nthree\n');
    const wrong = await cluster.cli(['job', 'logs', id, '--execution', 'e-00000000']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^Error: .*e-00000000.*\n$/);
    const badTail = await cluster.cli(['job', 'logs', id, '--tail', 'lots']);
    expect(badTail.code).toBe(2);
  });
});
