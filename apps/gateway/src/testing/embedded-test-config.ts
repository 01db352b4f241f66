import * as path from 'node:path';
import { loadGatewayConfig, type GatewayConfig } from '@mdg/config';

/**
 * An embedded-mode gateway config for a spec: port 0 on loopback, keys and tokens files in the
 * spec's own temporary directory, no demo keys (the spec creates the keys it needs), plus the
 * spec's own settings.
 */
export function embeddedTestConfig(dir: string, settings: Record<string, string> = {}): GatewayConfig {
  return loadGatewayConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    MDG_KEYS_FILE: path.join(dir, 'keys.json'),
    MDG_TOKENS_FILE: path.join(dir, 'tokens.json'),
    MDG_DEMO_KEYS: 'false',
    ...settings,
  });
}
