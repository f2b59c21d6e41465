/**
 * The engines devstack's agents offer: those asked for, minus the ones this agent build does not
 * have (read at run time, so the docker engine is used as soon as the agent has it) and minus
 * docker when Docker does not answer. Each dropped engine comes with a warning that says why.
 */

export interface EngineChoice {
  engines: string[];
  warnings: string[];
}

export interface EngineFacts {
  /** The agent build's AVAILABLE_ENGINES. */
  available: readonly string[];
  /** Why Docker is unusable, or undefined when it answers; only asked when docker is wanted. */
  dockerProblem: () => Promise<string | undefined>;
  dockerHost: string;
}

export function parseEngineList(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    ),
  ];
}

export async function chooseEngines(requested: readonly string[], facts: EngineFacts): Promise<EngineChoice> {
  const warnings: string[] = [];
  const unknown = requested.filter((e) => !facts.available.includes(e));
  if (unknown.length > 0) {
    warnings.push(
      `engine ${unknown.join(', ')} is not in this agent build (it has ${facts.available.join(', ')}): dropped`,
    );
  }
  let engines = requested.filter((e) => facts.available.includes(e));
  if (engines.includes('docker')) {
    const problem = await facts.dockerProblem();
    if (problem !== undefined) {
      engines = engines.filter((e) => e !== 'docker');
      warnings.push(
        `Docker is not reachable at ${facts.dockerHost} (${problem}): the agents run without the docker engine` +
          (engines.length > 0 ? ` (with ${engines.join(', ')})` : ''),
      );
    }
  }
  return { engines, warnings };
}
