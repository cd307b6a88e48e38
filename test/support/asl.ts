/** The parts of an Amazon States Language definition the tests read. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}

export interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string; Variable: string; StringEquals?: string }[];
  Resource?: string;
  TimeoutSeconds?: number;
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> };
  Retry?: Retrier[];
  Catch?: Catcher[];
  ResultPath?: string;
  Error?: string;
  QueryLanguage?: string;
}

export interface Definition {
  StartAt: string;
  States: Record<string, State>;
  QueryLanguage?: string;
}
