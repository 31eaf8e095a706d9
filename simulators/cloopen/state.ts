/** A sub-account held by the simulator, secrets included (it is a simulator). */
export interface SimulatedSubAccount {
  readonly appId: string;
  readonly subAccountSid: string;
  readonly friendlyName: string;
  readonly subToken: string;
  readonly voipAccount: string;
  readonly voipPwd: string;
  /** `yyyy-MM-dd HH:mm:ss` on China's clock. */
  readonly dateCreated: string;
  status: 'active' | 'closed';
}

/** The master account `AccountInfo` reports; every value a string, as on the wire. */
export interface SimulatedMasterAccount {
  friendlyName: string;
  type: string;
  status: string;
  balance: string;
  subBalance: string;
  dateCreated: string;
  dateUpdated: string;
}

/** One API request the simulator received (control endpoints excluded). */
export interface SimulatedRequest {
  readonly operation: string;
  readonly method: string;
  /** The statusCode answered, the fault applied, or the HTTP refusal. */
  readonly outcome: string;
}

/** Everything the simulator holds, live: tests may read it and seed it. */
export interface CloopenSimulatorState {
  /** In creation order, which is also `GetSubAccounts` order. */
  readonly accounts: SimulatedSubAccount[];
  readonly requests: SimulatedRequest[];
  readonly master: SimulatedMasterAccount;
}
