// The custom DAP requests (`nnet.*`), one handler each in a map typed by `NnetCustomRequests`: the arguments are
// read leniently (a bad field falls back to its default), the reply is the encoded body.

import type { WorkerRequests } from '../../debugger/requests';
import type { Encoded } from '../../wire/json';
import { encodeDap, encodeLayerDetail, type NnetCustomRequests } from './customEvents';

/** Most values per tensor the Layer Inspector may ask for (the largest nnet.inspector.maxTensorValues). */
const MAX_LAYER_VALUES = 1 << 21;

type Command = keyof NnetCustomRequests;
/** A handler: reads its arguments, asks the worker, and returns the reply body. */
type Handler<K extends Command> = (
  args: Record<string, unknown>,
  worker: WorkerRequests,
) => Promise<Encoded<NnetCustomRequests[K]['reply']>>;

const HANDLERS: { readonly [K in Command]: Handler<K> } = {
  'nnet.layerDetail': async (a, worker) => {
    const layer = typeof a.layer === 'string' ? a.layer : null;
    const step = typeof a.step === 'number' && Number.isInteger(a.step) && a.step >= 1 ? a.step : null;
    const maxValues =
      typeof a.maxValues === 'number' &&
      Number.isInteger(a.maxValues) &&
      a.maxValues >= 1 &&
      a.maxValues <= MAX_LAYER_VALUES
        ? a.maxValues
        : undefined;
    const d = (await worker.ask('layerDetail', { layer, step, maxValues })).layer;
    if (!d) throw new Error('the worker sent no layer');
    return encodeLayerDetail(d);
  },
  'nnet.checkGradients': async (a, worker) => {
    if (a.layer !== undefined && a.layer !== null && typeof a.layer !== 'string')
      throw new Error("invalid 'nnet.checkGradients' request: layer must be a string or null");
    const layer = typeof a.layer === 'string' ? a.layer : null;
    try {
      return encodeDap((await worker.ask('checkGradients', { layer })).gradCheck);
    } catch (e) {
      throw new Error(`Cannot check gradients: ${(e as Error).message}`, { cause: e });
    }
  },
  'nnet.gotoStep': async (a, worker) => {
    if (typeof a.step !== 'number' || !Number.isInteger(a.step) || a.step < 1)
      throw new Error("invalid 'nnet.gotoStep' request: step must be an integer of at least 1");
    try {
      return encodeDap({ direction: (await worker.ask('gotoStep', { step: a.step })).direction });
    } catch (e) {
      throw new Error(`Cannot go to step ${a.step}: ${(e as Error).message}`, { cause: e });
    }
  },
};

/** What each request answers when the session is not paused. */
export const NOT_PAUSED: { readonly [K in Command]: string } = {
  'nnet.layerDetail': 'The layer can be inspected only while paused',
  'nnet.checkGradients': 'Gradients can be checked only while paused on a layer',
  'nnet.gotoStep': 'The session can go to a step only while paused',
};

/** True if `command` is one of the nnet custom requests. */
export function isCustomRequest(command: string): command is Command {
  return Object.hasOwn(HANDLERS, command);
}

/** Answers custom request `command` (rejects with a message for the user). */
export function customReply(command: Command, args: unknown, worker: WorkerRequests): Promise<unknown> {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  return HANDLERS[command](a, worker);
}
