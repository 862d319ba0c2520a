// OpenTelemetry's SDK with in-memory exporters, registered globally for one test file.
import { context, metrics, trace } from '@opentelemetry/api'
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { afterAll, beforeAll } from 'vitest'

/** Reads the meter's figures on demand, cumulative since start. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * Registers a tracer and a meter provider for the calling test file (before its tests run, since
 * clients and services take their tracer and meter once) and removes them after; returns the span
 * exporter and the metric reader the tests read from.
 */
export function installTelemetry(): { spans: InMemorySpanExporter; reader: MetricReader } {
  const spans = new InMemorySpanExporter()
  const reader = new TestReader()
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
  const meterProvider = new MeterProvider({ readers: [reader] })

  beforeAll(() => {
    tracerProvider.register()
    metrics.setGlobalMeterProvider(meterProvider)
  })
  afterAll(async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])
    trace.disable()
    metrics.disable()
    context.disable()
  })
  return { spans, reader }
}
