import type { Clock } from '@mdg/model';
import { LocalTokenRegistry, type TokenMutation, type TokenTable } from './local-token-registry';

/** In-process token store (tests, the embedded demo without a tokens file). Nothing survives the process. */
export class MemoryTokenRegistry extends LocalTokenRegistry {
  constructor(options: { clock?: Clock } = {}) {
    super(options.clock);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a closed registry rejects (the TokenRegistry contract) rather than throws
  protected async transact<T>(mutation: (table: TokenTable) => TokenMutation<T>): Promise<T> {
    this.assertOpen();
    const { result, next } = mutation(this.current);
    if (next) this.adopt(next);
    return result;
  }
}
