// A client's native object until close(), and the operations waiting on it. The MQTT 5 client,
// the 3.1.1 connection and the request-response client each stop using the addon at once when
// closed: every later use throws their CrtError, every operation in flight rejects with it.
import { CrtError } from './error';
import { PendingOperations } from './pending';

/** @internal */
export class NativeOwner<N extends { close(): void }> {
    /** The native object (set by the client once made); undefined once closed. */
    native: N | undefined;
    /** The promises of the operations in flight, by operation id. */
    readonly pending: PendingOperations;
    readonly #code: number;
    readonly #closedMessage: string;
    readonly #closingMessage: string;

    /**
     * @param code the CrtError code of a use after close() and of the operations close() fails
     * @param closedMessage the error message of a use after close()
     * @param closingMessage the error message of the operations close() fails
     * @param onReject called with the error of every operation rejected, however it failed
     */
    constructor(code: number, closedMessage: string, closingMessage: string, onReject?: (error: Error) => void) {
        this.pending = new PendingOperations(onReject);
        this.#code = code;
        this.#closedMessage = closedMessage;
        this.#closingMessage = closingMessage;
    }

    /** The native object; a CrtError once closed. */
    live(): N {
        const native = this.native;
        if (!native) throw new CrtError(this.#code, this.#closedMessage);
        return native;
    }

    /**
     * Releases the native object, runs `closing` (the client's own clean-up: it sees the owner
     * closed), then rejects every pending operation. Does nothing once closed.
     */
    close(closing?: () => void): void {
        const native = this.native;
        if (!native) return;
        this.native = undefined;
        native.close();
        closing?.();
        this.pending.rejectAll(() => new CrtError(this.#code, this.#closingMessage));
    }
}
