// Where the Go peers are built (scripts/build-peers.sh → build/peers/<name>), and building them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from bench/peers/ or dist/bench/peers/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts', 'build-peers.sh'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench/peers: cannot find the repository root (scripts/build-peers.sh)');
    dir = up;
  }
  return dir;
}

export const REPO = repoRoot();
export const PEERS_BIN = join(REPO, 'build', 'peers');
export const PEERS_SRC = join(REPO, 'bench', 'peers');

export type PeerName = 'opa-envoy' | 'ratelimit' | 'coraza' | 'go-control-plane';

export function peerBinary(name: PeerName): string {
  return join(PEERS_BIN, name);
}

/**
 * Runs scripts/build-peers.sh for these peers (a no-op for those already built from the current
 * sources). Rejects with the script's output when a build fails.
 */
export function buildPeers(names: readonly PeerName[], log: (line: string) => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO, 'scripts', 'build-peers.sh'), ...names], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      const text = d.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line.trim() !== '') log(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`scripts/build-peers.sh ${names.join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`));
    });
  });
}
