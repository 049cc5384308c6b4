// Manual PUBACK control for received QoS 1 messages (aws-crt's acknowledgementControl).

/** Sends the PUBACK for one received QoS 1 message; single use. */
export class PublishAcknowledgementHandle {
    #send: ((ackId: number) => void) | undefined;
    readonly #ackId: number;
    /** @internal */
    constructor(send: (ackId: number) => void, ackId: number) {
        this.#send = send;
        this.#ackId = ackId;
    }
    /** Sends the PUBACK now. Later calls do nothing. */
    invokeAcknowledgement(): void {
        const send = this.#send;
        this.#send = undefined;
        send?.(this.#ackId);
    }
}

/** Holds the acknowledgement handle of a received QoS 1 message until a listener takes it. */
export class PublishAcknowledgementHandleWrapper {
    // The handle is only made when taken: most messages are acknowledged by the client.
    #send: ((ackId: number) => void) | null;
    readonly #ackId: number;
    /** @internal */
    constructor(send: (ackId: number) => void, ackId: number) {
        this.#send = send;
        this.#ackId = ackId;
    }
    /**
     * Takes the handle: the caller now owns sending the PUBACK. Only the first call, made
     * synchronously inside a `messageReceived` listener, gets it; every other call gets null.
     */
    acquireHandle(): PublishAcknowledgementHandle | null {
        const send = this.#send;
        this.#send = null;
        return send === null ? null : new PublishAcknowledgementHandle(send, this.#ackId);
    }
    /** @internal closes the window: what was not taken is acknowledged by the client. */
    release(): boolean {
        const untaken = this.#send !== null;
        this.#send = null;
        return untaken;
    }
}
