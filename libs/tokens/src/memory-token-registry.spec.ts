import { describeTokenRegistryContract } from './testing';
import { MemoryTokenRegistry } from './memory-token-registry';

describeTokenRegistryContract('MemoryTokenRegistry', { open: async (clock) => new MemoryTokenRegistry({ clock }) });
