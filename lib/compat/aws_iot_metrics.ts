// `aws-crt/dist/native/aws_iot_metrics`, the one deep import of aws-crt's internals that the AWS
// IoT Device SDK makes (index.js registers its metrics factory at load). Mapped by package.json's
// "exports" so the SDK loads unchanged; the factory's metrics are what the IoT builders may add.
import type { AWSIoTMetrics } from './mqtt_shared';

export type SdkMetricsFactory = () => AWSIoTMetrics;

let factory: SdkMetricsFactory | undefined;

/** Registers the SDK's metrics factory (called by aws-iot-device-sdk-v2 at load). */
export function _setSdkMetricsFactory(f: SdkMetricsFactory | undefined): void {
    factory = f;
}

/** The registered factory's metrics, or undefined. */
export function _buildSdkMetrics(): AWSIoTMetrics | undefined {
    return factory ? factory() : undefined;
}
