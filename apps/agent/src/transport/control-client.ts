import type { Clock } from '@shoal/models';
import {
  type ControlRequestType,
  type ControlResult,
  ctrlSubject,
  makeEnvelope,
  type Payload,
  type Requester,
  requestControl,
} from '@shoal/protocol';

/**
 * Requests on `shoal.compute.<self>.ctrl`: wraps a payload in a fresh envelope (control messages
 * are unsequenced, seq 0) and decodes the typed reply. Transport failures (timeout, no
 * responders) reject, as nats.js does; a refusal the orchestrator answers is `ok: false`.
 */
export type ControlRequest = <T extends ControlRequestType>(
  type: T,
  payload: Payload<T>,
  timeoutMs: number,
) => Promise<ControlResult<T>>;

export function controlClient(o: {
  nc: Requester;
  nodeId: string;
  clock: Clock;
  newId: () => string;
}): ControlRequest {
  const subject = ctrlSubject(o.nodeId);
  return (type, payload, timeoutMs) => {
    const envelope = makeEnvelope(type, payload, { id: o.newId(), nodeId: o.nodeId, time: o.clock.now() });
    return requestControl(o.nc, subject, envelope, { timeoutMs });
  };
}
