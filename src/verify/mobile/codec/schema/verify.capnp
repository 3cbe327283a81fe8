# Passline's copy of the Kayle ID verify wire contract (API.md §6.5a).
#
# The file id, every field ordinal, type and enum order below must stay exactly as in Kayle ID's
# packages/capnp/verify.capnp at commit 528fba629beaf7e82dc3844c2921eaec3f5baf0e: they ARE the wire
# format the Kayle iOS app speaks. Names only matter to the generated TypeScript.
#
# After editing, regenerate the TypeScript beside it (needs the Cap'n Proto compiler `capnpc`,
# e.g. Debian's `capnproto` package; the build itself does not need it):
#   npm run capnp:generate
@0xef7e0b8fbd1f2ab3;

# ---- client -> server ------------------------------------------------------------------------

struct ClientHello {
  attemptId @0 :Text;
  mobileWriteToken @1 :Text;
  deviceId @2 :Text;
  appVersion @3 :Text;       # "" when the app sends none
}

struct PhaseUpdate {
  phase @0 :Text;
  error @1 :Text;            # "" when the app reports no problem
}

# Ordinals show up in acks and error messages on binary connections (data_ok_1_0 is DG2).
enum DataKind {
  dg1 @0;
  dg2 @1;
  sod @2;
  selfie @3;
}

struct DataPayload {
  kind @0 :DataKind;
  raw @1 :Data;              # the chunk's bytes, no base64
  index @2 :UInt32;
  total @3 :UInt32;
  chunkIndex @4 :UInt32;
  chunkTotal @5 :UInt32;     # 0 (unset) is read as 1, as upstream does
}

struct ShareSelection {
  sessionId @0 :Text;
  selectedFieldKeys @1 :List(Text);
}

struct ClientMessage {
  union {
    hello @0 :ClientHello;
    phase @1 :PhaseUpdate;
    data @2 :DataPayload;
    shareSelection @3 :ShareSelection;
  }
}

# ---- server -> client ------------------------------------------------------------------------

struct ServerAck {
  message @0 :Text;
}

struct ServerError {
  code @0 :Text;
  message @1 :Text;          # details, where there are any, travel here as JSON text
}

enum VerdictOutcome {
  accepted @0;
  rejected @1;
}

struct ServerVerdict {
  outcome @0 :VerdictOutcome;
  reasonCode @1 :Text;
  reasonMessage @2 :Text;
  retryAllowed @3 :Bool;
  remainingAttempts @4 :UInt32;
}

struct ShareRequestField {   # no label on the wire: the app has its own
  key @0 :Text;
  reason @1 :Text;
  required @2 :Bool;
}

struct ShareRequest {
  contractVersion @0 :UInt32;
  sessionId @1 :Text;
  fields @2 :List(ShareRequestField);
}

struct ShareReady {
  sessionId @0 :Text;
  selectedFieldKeys @1 :List(Text);
}

struct ServerMessage {
  union {
    ack @0 :ServerAck;
    error @1 :ServerError;
    verdict @2 :ServerVerdict;
    shareRequest @3 :ShareRequest;
    shareReady @4 :ShareReady;
  }
}
