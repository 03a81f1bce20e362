// `@shardgate/protocol/browser` as a browser bundler sees it: resolved through the package's
// `exports` from the web client's folder (as services/webclient/build.js bundles it), with
// nothing of msgpack or Node in its module graph. Needs the build (dist/), like npm test.
import path from 'node:path';
import { build } from 'esbuild';
import * as browser from '@shardgate/protocol/browser';
import * as full from '@shardgate/protocol';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('protocol - the browser entry', () => {
  test('protocol - @shardgate/protocol/browser bundles for the browser without msgpack or Node modules', async () => {
    const result = await build({
      stdin: { contents: "export * from '@shardgate/protocol/browser';", resolveDir: path.join(ROOT, 'services', 'webclient'), loader: 'ts' },
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((file) => file.split(path.sep).join('/'));
    expect(inputs.some((file) => file.endsWith('packages/protocol/dist/browser.js'))).toBe(true);
    expect(inputs.filter((file) => /msgpack|node_modules/.test(file))).toEqual([]);
  });

  test('protocol - its tables are the same objects the server uses', () => {
    expect(browser.Packets).toBe(full.Packets);
    expect(browser.Opcodes).toBe(full.Opcodes);
    expect(browser.KAETRAM_CLOSE_CODE).toBe(full.KAETRAM_CLOSE_CODE);
    expect(browser.REGION_SIZE).toBe(full.REGION_SIZE);
  });
});
