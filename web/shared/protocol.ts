/**
 * Messages between the simulated kiosk's web server (tests/sim/web) and the kiosk panel page over the
 * `/ws` WebSocket, as JSON. Types only, shared by both sides; the server validates what it receives.
 */

export type PanelButtonName = 'cash' | 'cancel' | 'moreTime' | 'confirm';

/** What the page may ask for: the terminal UI's actions, minus quitting the process. */
export type WireAction =
  /** A sample bill from the tray, named by its barcode. */
  | { readonly kind: 'scan'; readonly code: string }
  /** Any other code held to the scanner (wallet payment codes). */
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'badge'; readonly code: string }
  | { readonly kind: 'note'; readonly value: number }
  | { readonly kind: 'button'; readonly button: PanelButtonName }
  | { readonly kind: 'card'; readonly decision: 'approve' | 'decline' }
  | { readonly kind: 'door' }
  | { readonly kind: 'unplug' }
  | { readonly kind: 'paper' }
  | { readonly kind: 'broker' }
  | { readonly kind: 'cashbox' }
  | { readonly kind: 'jam' };

export interface ClientMessage {
  readonly t: 'action';
  /** Echoed in the `done` reply. */
  readonly id: number;
  readonly action: WireAction;
}

export interface SampleView {
  readonly label: string;
  readonly code: string;
  readonly kind: string;
}

export interface PanelInfo {
  readonly terminal: string;
  readonly fleet: string;
  readonly topicPrefix: string;
  readonly currency: string;
  readonly locale: string;
  readonly validator: string;
  readonly display: { readonly cols: number; readonly rows: number; readonly charset: 'ascii' | 'gb2312' };
  readonly printerColumns: number;
  readonly samples: readonly SampleView[];
  readonly walletCodes: readonly SampleView[];
  readonly badges: readonly SampleView[];
  /** Note values in minor units. */
  readonly notes: readonly number[];
  /** Path of MQTT over WebSocket on this server. */
  readonly mqttPath: string;
  /** True when the server can sign fleet commands (POST COMMAND_PATH). */
  readonly commands: boolean;
}

/** The dashboard's command form, POSTed as JSON to COMMAND_PATH. */
export interface CommandRequest {
  readonly fleet: string;
  readonly terminal: string;
  readonly name: string;
}

/** What the fleet console answered: its exit code, text and JSON (the terminal's reply, when there was one). */
export interface CommandResponse {
  readonly code: number;
  readonly text: string;
  readonly json: unknown;
}

export interface DeviceView {
  readonly state: string;
  readonly reason: string;
  readonly text: string;
}

/** The fault switches' positions, read back from the simulators. */
export interface Faults {
  readonly jam: boolean;
  readonly paperOut: boolean;
  readonly cashboxOut: boolean;
  readonly unplugged: boolean;
  readonly brokerDown: boolean;
  readonly doorOpen: boolean;
}

export interface ServiceView {
  readonly service: string;
  readonly fsm: string;
  readonly reasons: readonly string[];
}

export interface ReceiptView {
  readonly txId: string;
  readonly printed: boolean;
  /** The lines as the simulated printer rendered them (empty when nothing was printed). */
  readonly lines: readonly string[];
}

export type LogKind = 'action' | 'journal' | 'transaction' | 'receipt' | 'fault' | 'collection' | 'alarm' | 'state' | 'mqtt' | 'error';

export interface LogEntry {
  readonly seq: number;
  readonly kind: LogKind;
  readonly text: string;
}

export type ServerMessage =
  | {
    readonly t: 'hello';
    readonly info: PanelInfo;
    readonly lcd: readonly string[];
    readonly state: ServiceView;
    readonly devices: Readonly<Record<string, DeviceView>>;
    readonly faults: Faults;
    readonly mqtt: { readonly connected: boolean; readonly outbox: number };
    readonly receipt: ReceiptView | null;
    readonly log: readonly LogEntry[];
  }
  | { readonly t: 'screen'; readonly lines: readonly string[] }
  | { readonly t: 'state'; readonly state: ServiceView }
  | { readonly t: 'device'; readonly device: string; readonly status: DeviceView }
  | { readonly t: 'faults'; readonly faults: Faults }
  | { readonly t: 'mqtt'; readonly connected: boolean; readonly outbox: number }
  | { readonly t: 'receipt'; readonly receipt: ReceiptView }
  | { readonly t: 'log'; readonly entry: LogEntry }
  | { readonly t: 'done'; readonly id: number; readonly error?: string };

export const PANEL_WS_PATH = '/ws';
export const MQTT_WS_PATH = '/mqtt';
export const INFO_PATH = '/api/info';
export const COMMAND_PATH = '/api/command';
/** Commands the dashboard offers (a subset of the fleet console's). */
export const DASHBOARD_COMMANDS = ['out-of-service', 'in-service', 'diagnostics'] as const;
