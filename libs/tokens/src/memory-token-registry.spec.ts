import { describeTokenRegistryContract } from '@mdg/testing';
import { MemoryTokenRegistry } from './memory-token-registry';

describeTokenRegistryContract('MemoryTokenRegistry', { open: async (clock) => new MemoryTokenRegistry({ clock }) });
