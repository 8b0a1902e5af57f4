const KEY = 'rootwatch.apiKey';
const NO_SCAN_SCOPE = 'rootwatch.noScanScope';

/** The API key lives in sessionStorage: it survives reloads of this tab and dies with it. */
export const session = {
  getKey(): string | null {
    return sessionStorage.getItem(KEY);
  },
  setKey(key: string): void {
    sessionStorage.setItem(KEY, key);
    sessionStorage.removeItem(NO_SCAN_SCOPE);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(NO_SCAN_SCOPE);
  },
  /** Set once a POST /v1/scans answered 403: the API has no endpoint telling a key's scopes. */
  lacksScanScope(): boolean {
    return sessionStorage.getItem(NO_SCAN_SCOPE) === '1';
  },
  markLacksScanScope(): void {
    sessionStorage.setItem(NO_SCAN_SCOPE, '1');
  },
};
