/**
 * The browser app: Preact + JSX through Oxc's automatic runtime, built into dist/web, which the
 * server serves at `/`. No CDN, no remote fonts: everything ships from the build.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Every file under `dir`, relative to it, with `/` separators. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();

/**
 * Writes the app shell — every file of the build but the worker and the source maps — and a
 * version from their content into the built service worker (sw.ts), which stores them at install:
 * the app opens offline. Names are only known once the bundle is written, hence this last step.
 */
function shellFiles(): Plugin {
  return {
    name: 'taskstream-shell-files',
    apply: 'build',
    writeBundle(options) {
      const out = options.dir as string;
      const files = filesUnder(out).filter((f) => f !== 'sw.js' && !f.endsWith('.map'));
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(readFileSync(path.join(out, f)));
      const worker = path.join(out, 'sw.js');
      const code = readFileSync(worker, 'utf8');
      if (!code.includes('__SHELL_FILES__') || !code.includes('__SHELL_VERSION__'))
        this.error('sw.js lost its __SHELL_FILES__ / __SHELL_VERSION__');
      const built = code
        .replaceAll('__SHELL_FILES__', JSON.stringify(files))
        .replaceAll('__SHELL_VERSION__', JSON.stringify(hash.digest('hex').slice(0, 16)));
      writeFileSync(worker, built);
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [shellFiles()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      // the service worker is a second entry at a stable URL (/sw.js): its scope is the app's root
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), sw: fileURLToPath(new URL('src/sw.ts', import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
});
