import type { BusState } from '@mdg/bus';
import { MarketBusError } from '@mdg/model';
import { emitErrorWarning } from './emit-error-warning';

/**
 * The state and error listeners of a bus. A throwing state listener is reported as an error;
 * a throwing error listener, having nowhere left to go, becomes a process warning.
 */
export class BusListeners {
  private readonly stateListeners = new Set<(state: BusState) => void>();
  private readonly errorListeners = new Set<(error: MarketBusError) => void>();

  onStateChange(listener: (state: BusState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onError(listener: (error: MarketBusError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  notifyState(state: BusState): void {
    for (const listener of [...this.stateListeners]) {
      try {
        listener(state);
      } catch (error) {
        this.report(new MarketBusError('handler', `a state listener threw: ${String(error)}`, undefined, { cause: error }), true);
      }
    }
  }

  /** To the onError listeners; without any, failures other than connection errors become process warnings. */
  report(error: MarketBusError, warnWhenUnheard: boolean): void {
    if (this.errorListeners.size === 0) {
      if (warnWhenUnheard) emitErrorWarning(error);
      return;
    }
    for (const listener of [...this.errorListeners]) {
      try {
        listener(error);
      } catch (listenerError) {
        emitErrorWarning(new MarketBusError('handler', `an onError listener threw: ${String(listenerError)}`, undefined, { cause: listenerError }));
      }
    }
  }
}
