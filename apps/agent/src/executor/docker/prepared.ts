import type Docker from 'dockerode';
import { errorMessage, safeLog } from '../../logger.js';
import { bounded } from './calls.js';
import type { ContainerPlan } from './container-spec.js';
import { removeNow } from './endings.js';
import { inspectImage } from './image.js';
import { create } from './launch.js';
import type { ResolvedDockerOptions } from './options.js';

/**
 * Containers created while their bids await the orchestrator's approval, so that an accepted bid
 * only has to start one: the create overlaps the approval round trip. Each is taken by its run or
 * thrown away. Only local images: a pull waits for an accepted bid, which reports its progress.
 */
export class PreparedContainers {
  private readonly byExecution = new Map<string, Promise<Docker.Container | undefined>>();

  constructor(
    private readonly o: ResolvedDockerOptions,
    private readonly owner: {
      /** The sweep must spare the execution's container (or stop sparing it). */
      own(executionId: string): void;
      disown(executionId: string): void;
      /** A removal the engine waits for when it closes. */
      track(removal: Promise<void>): void;
      closing: AbortSignal;
    },
  ) {}

  has(executionId: string): boolean {
    return this.byExecution.has(executionId);
  }

  prepare(executionId: string, plan: ContainerPlan): void {
    this.owner.own(executionId);
    const container = (async () => {
      // A missing image throws here: nothing is prepared, and the run pulls it.
      await bounded(
        'image inspect',
        this.o.callTimeoutMs,
        (abortSignal) => inspectImage(this.o.docker, plan.image, abortSignal),
        this.owner.closing,
      );
      return create(this.o.docker, plan, this.o);
    })().catch((error: unknown) => {
      safeLog(this.o.logger, 'debug', { executionId, err: errorMessage(error) }, 'no head start');
      return undefined;
    });
    this.byExecution.set(executionId, container);
  }

  /** The run's prepared container, if any; the run owns it from now on. */
  take(executionId: string): Promise<Docker.Container | undefined> | undefined {
    const prepared = this.byExecution.get(executionId);
    this.byExecution.delete(executionId);
    return prepared;
  }

  discard(executionId: string): void {
    const prepared = this.take(executionId);
    if (prepared === undefined) return;
    this.owner.track(
      prepared
        .then((container) => container && removeNow(container, this.o, this.o.logger, executionId))
        .finally(() => this.owner.disown(executionId)),
    );
  }

  discardAll(): void {
    for (const executionId of [...this.byExecution.keys()]) this.discard(executionId);
  }
}
