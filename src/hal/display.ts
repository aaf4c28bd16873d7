import type { Device, DeviceEvents } from './device.js';

export interface DisplayGeometry {
  readonly cols: number;
  readonly rows: number;
  /** Can the glass show Chinese (ST7920 with its GB2312 ROM) or only ASCII (HD44780 ROM A00)? */
  readonly charset: 'ascii' | 'gb2312';
}

/** A rendered frame: exactly `rows` lines, each at most `cols` display cells. */
export interface DisplayFrame {
  readonly lines: readonly string[];
}

export interface Display extends Device<DeviceEvents> {
  readonly kind: 'display';
  geometry(): DisplayGeometry;
  show(frame: DisplayFrame): Promise<void>;
  /** What the glass shows now, as the driver last wrote it. */
  current(): DisplayFrame;
}
