/** The distributed stack (scripts/stack.sh): up/down, its environment, its processes' pids. */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './proc.js';

const run = promisify(execFile);

export async function stackSh(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('bash', ['scripts/stack.sh', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  return stdout;
}

export async function stackEnv(): Promise<Record<string, string>> {
  const out = await stackSh(['env']);
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The pid listening on a loopback TCP port (the stack's processes), or undefined. */
export function pidOnPort(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const STACK_PORTS = {
  backend: 8000,
  recurring: 8001,
  notifications: 8002,
  'daprd-backend': 3500,
  'daprd-recurring': 3501,
  'daprd-notifications': 3502,
  kafka: 9092,
} as const;

/** Runs SQL as the PostgreSQL superuser over the local socket (like scripts/postgres.sh): create/drop the bench database. */
export async function psqlAdmin(sqlText: string): Promise<void> {
  await run(
    'runuser',
    ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', '5432', '-d', 'postgres', '-c', sqlText],
    {
      timeout: 120_000,
    },
  );
}
