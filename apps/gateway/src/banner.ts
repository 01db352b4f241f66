import type { TokenInstrument } from '@mdg/model';
import type { Role } from '@mdg/config';
import type { DemoKeys } from './demo-keys';

export interface BannerFacts {
  port: number;
  roles: ReadonlySet<Role>;
  redisUrl: string | undefined;
  keys: DemoKeys | undefined;
  token: TokenInstrument | undefined;
}

/** What a newcomer needs at start: where to connect, with which key, and a command that works. */
export function startBanner({ port, roles, redisUrl, keys, token }: BannerFacts): string {
  const http = `http://localhost:${port}`;
  const ws = `ws://localhost:${port}`;
  const mode = redisUrl === undefined ? 'embedded (in-memory bus)' : `Redis ${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}`;
  const lines = [`mdg gateway listening on ${http}  roles: ${[...roles].join(', ')}  ${mode}`];
  if (!roles.has('edge')) return lines.join('\n');
  lines.push(
    `  Socket.IO prices   ${http}/api-ws   (path /socket.io/, auth.apiKey)`,
    `  raw WS candles     ${ws}/ws/chart-live   (x-api-key header)`,
    `  dashboard ${http}/   instruments ${http}/instruments   metrics ${http}/metrics   health ${http}/healthz   ready ${http}/readyz`,
  );
  if (keys) {
    lines.push('', `  demo Pro key   ${keys.pro}`, `  demo free key  ${keys.free}   (free plan: /ws/chart-live only)`);
    lines.push('', 'Watch live prices (run in this directory):');
    lines.push(
      `  node -e "require('socket.io-client').io('${http}/api-ws',{auth:{apiKey:'${keys.pro}'}}).on('price-update',u=>console.log(JSON.stringify(u)))"`,
    );
    if (token) {
      lines.push('Watch live 1 s candles:');
      lines.push(
        `  node -e "const w=new (require('ws'))('${ws}/ws/chart-live',{headers:{'x-api-key':'${keys.pro}'}});w.on('open',()=>w.send(JSON.stringify({tokenAddress:'${token.tokenAddress}',timeframe:1})));w.on('message',m=>console.log(String(m)))"`,
      );
    }
  }
  return lines.join('\n');
}
