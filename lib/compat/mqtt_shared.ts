// `aws-crt/dist/common/mqtt_shared`, deep-imported by the AWS IoT Device SDK (iot_sdk_metrics.js
// builds an AWSIoTMetrics). Mapped by package.json's "exports"; only what the SDK uses.

/** The SDK name aws-crt reports in metrics. */
export const SDK_NAME = 'IoTDeviceSDK/JS';

/** aws-crt's protocol modes. */
export enum ProtocolMode {
    Mqtt311 = 0,
    Mqtt5 = 1,
}

/** IoT SDK metrics: a library name and metadata pairs. */
export class AWSIoTMetrics {
    libraryName: string = SDK_NAME;
    metadata: [string, string][] = [];
}
