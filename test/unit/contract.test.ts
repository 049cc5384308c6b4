// The numbers the addon and lib/ agree on (binding/contract.h): generated for TypeScript, exported
// by the addon, and checked against each other when the addon is loaded.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binding, checkContract } from '../../dist/native.js';
import { CONTRACT } from '../../dist/native_contract.js';
import { distNative, runNode } from '../helpers/child';

const ROOT = path.resolve(__dirname, '../..');

describe('the C++/TypeScript contract (binding/contract.h)', () => {
    it('lib/native_contract.ts is what binding/contract.h generates', () => {
        // Exits 1 (and execFileSync throws) when they differ.
        execFileSync(process.execPath, [path.join(ROOT, 'scripts/contract.mjs'), '--check'], { stdio: 'pipe' });
    });

    it('the loaded addon numbers events, records and message bits as the JavaScript does', () => {
        expect(binding.contract).toEqual(CONTRACT);
        expect(Object.keys(CONTRACT).sort()).toEqual(['NativeEventType', 'NativeMessageBits', 'NativeRecord']);
    });

    it('any difference is named', () => {
        const moved = { ...CONTRACT, NativeRecord: { ...CONTRACT.NativeRecord, Message: 7 } };
        expect(() => checkContract(moved)).toThrow(/NativeRecord\.Message is 3 here, 7 in the addon/);
        const { Stopped: _, ...fewer } = CONTRACT.NativeEventType;
        expect(() => checkContract({ ...CONTRACT, NativeEventType: fewer })).toThrow(
            /NativeEventType\.Stopped is 4 here, undefined in the addon/,
        );
        const more = { ...CONTRACT, NativeMessageBits: { ...CONTRACT.NativeMessageBits, Compressed: 32 } };
        expect(() => checkContract(more)).toThrow(/NativeMessageBits\.Compressed is undefined here, 32 in the addon/);
        expect(() => checkContract(undefined)).toThrow(/different versions of binding\/contract\.h/);
    });

    it('an addon built with other numbers is refused when it is loaded', async () => {
        // The real addon, with one number changed as it is loaded.
        const r = await runNode(`
            const dlopen = process.dlopen;
            process.dlopen = (module, file, ...rest) => {
                dlopen(module, file, ...rest);
                if (module.exports.contract) module.exports.contract.NativeRecord.Arena = 40;
            };
            require(${JSON.stringify(distNative)});
        `);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(
            /the native addon and the JavaScript were built from different versions of binding\/contract\.h \(NativeRecord\.Arena is 4 here, 40 in the addon\); rebuild both/,
        );
    });
});
