export interface RequestsResult {
  vendor: string;
  requests: number;
  minimum: number;
  note: string;
}

export async function benchRequests(_opts: { quick: boolean }): Promise<RequestsResult[]> {
  return [];
}
