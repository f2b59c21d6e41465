import { SimFleet } from './sim-fleet.js';
import type { SimAnswers, SimCommand, SimReply } from './sim-remote.js';

/**
 * The simulator process (see sim-remote.ts): one fleet, driven by the benchmark's commands over
 * IPC. It exits when the benchmark goes away, so an interrupted run leaves no simulated nodes
 * knocking at a NATS server.
 */

let fleet: SimFleet | undefined;

async function answer(command: SimCommand): Promise<SimAnswers[SimCommand['op']]> {
  if (command.op === 'start') {
    if (fleet) throw new Error('the simulator runs one fleet');
    fleet = await SimFleet.start(command.options);
    return null;
  }
  if (fleet === undefined) throw new Error(`${command.op} before start`);
  switch (command.op) {
    case 'stats':
      return { ...fleet.stats(), cpu: process.cpuUsage(), rssBytes: process.memoryUsage.rss() };
    case 'mark':
      fleet.mark();
      return null;
    case 'runs':
      return fleet.runs();
    case 'shrink':
      await fleet.shrink(command.keep);
      return null;
    case 'stop':
      await fleet.stop();
      return null;
  }
}

process.on('message', (message: { id: number; command: SimCommand }) => {
  answer(message.command).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies SimReply),
    (error: unknown) =>
      process.send?.({ id: message.id, ok: false, error: String(error) } satisfies SimReply),
  );
});
process.on('disconnect', () => process.exit(0));
