import { describe, expect, it } from 'vitest';
import { chooseEngines, parseEngineList } from './engines.js';

const facts = (available: string[], dockerProblem?: string) => {
  let asked = 0;
  return {
    available,
    dockerHost: 'unix:///var/run/docker.sock',
    dockerProblem: async () => {
      asked++;
      return dockerProblem;
    },
    asked: () => asked,
  };
};

describe('chooseEngines', () => {
  it('drops engines the agent build does not have, with a warning', async () => {
    const f = facts(['noop']);
    const choice = await chooseEngines(['docker', 'noop'], f);
    expect(choice.engines).toEqual(['noop']);
    expect(choice.warnings).toEqual(['engine docker is not in this agent build (it has noop): dropped']);
    expect(f.asked()).toBe(0);
  });

  it('keeps docker when the build has it and Docker answers', async () => {
    const choice = await chooseEngines(['docker', 'noop'], facts(['noop', 'docker']));
    expect(choice).toEqual({ engines: ['docker', 'noop'], warnings: [] });
  });

  it('drops docker when Docker does not answer, naming the address and the reason', async () => {
    const choice = await chooseEngines(['docker', 'noop'], facts(['noop', 'docker'], 'ENOENT'));
    expect(choice.engines).toEqual(['noop']);
    expect(choice.warnings).toEqual([
      'Docker is not reachable at unix:///var/run/docker.sock (ENOENT): the agents run without the docker engine (with noop)',
    ]);
  });

  it('can end with no engine at all (the caller refuses to start)', async () => {
    expect((await chooseEngines(['docker'], facts(['noop', 'docker'], 'ENOENT'))).engines).toEqual([]);
    expect((await chooseEngines(['wasm'], facts(['noop']))).engines).toEqual([]);
  });

  it('parses the flag, trimming and de-duplicating', () => {
    expect(parseEngineList(' docker, noop,,docker ')).toEqual(['docker', 'noop']);
    expect(parseEngineList('')).toEqual([]);
  });
});
