// vitest globalSetup: one private mosquitto for the whole run, on a free loopback port.
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startBroker } from '../helpers/broker';

declare module 'vitest' {
    export interface ProvidedContext {
        brokerPort: number;
    }
}

export default async function setup(project: TestProject) {
    const broker = await startBroker();
    project.provide('brokerPort', broker.port);
    return async () => {
        await broker.stop();
        fs.rmSync(broker.dir, { recursive: true, force: true });
    };
}
