package kvs.client.history;

/** The verdict on one key's calls, with the number of search steps it took and, if not linearizable, why. */
record KeyResult(String key, Linearizability.Verdict verdict, long steps, String explanation) {}
