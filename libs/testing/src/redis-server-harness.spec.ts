import * as net from 'node:net';
import { startRedisServer, type RedisServerHandle } from './redis-server-harness';
import { uniquePrefix } from './unique-prefix';

/** One inline command over raw RESP; resolves with the first reply line, or the connection error code. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.split('\r\n')[0]!);
      }
    });
  });
}

describe('startRedisServer', () => {
  const servers: RedisServerHandle[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  it('starts a private server on a free port, kills it like a crash and restarts it empty on the same port', async () => {
    const server = await startRedisServer();
    servers.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.running).toBe(true);
    expect(await command(server.port, 'SET k v')).toBe('+OK');
    expect(await command(server.port, 'CONFIG GET save')).toBe('*2');

    await server.kill();
    expect(server.running).toBe(false);
    expect(await command(server.port, 'PING')).toBe('ECONNREFUSED');

    await server.restart();
    expect(server.running).toBe(true);
    expect(await command(server.port, 'GET k')).toBe('$-1');

    await server.stop();
    await server.stop();
    expect(await command(server.port, 'PING')).toBe('ECONNREFUSED');
  });

  it('gives concurrent servers distinct ports', async () => {
    const started = await Promise.all([startRedisServer(), startRedisServer(), startRedisServer()]);
    servers.push(...started);
    expect(new Set(started.map((server) => server.port)).size).toBe(3);
    for (const server of started) expect(await command(server.port, 'PING')).toBe('+PONG');
  });

  it('names the install command when redis-server is missing', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(/apt-get install -y --no-install-recommends redis-server/);
  });

  it('explains a server that exits during start-up', async () => {
    await expect(startRedisServer({ extraArgs: ['--no-such-option', 'x'] })).rejects.toThrow(/exited during start-up/);
  });
});

describe('uniquePrefix', () => {
  it('is unique per call and readable', () => {
    const prefixes = Array.from({ length: 100 }, () => uniquePrefix('my test / name'));
    expect(new Set(prefixes).size).toBe(100);
    expect(prefixes[0]).toMatch(/^t:my-test-name:\d+\.\d+\.[0-9a-f]{6}:$/);
  });
});
