import { createHash } from 'node:crypto';
import { quoteShellArgv, quoteShellWord } from '../../domain/shell-quote.js';

// The sh helper that does the node's side of session sync with POSIX tools (find, head, tar,
// gzip, base64 or openssl, sha256sum or shasum or openssl, stty). It is installed once per version
// as `$HOME/.hsm/ssync-<hash>.sh`, so the commands typed into the session stay short (a command is
// typed in octal-encoded lines, acknowledged every KiB). Its commands:
//
//   state ROOT KNOWN PRUNE...   `HSM-ROOT ok|none|notdir|denied`, `HSM-MISSING tool`, then
//                           `HSM-TOKEN t` and sections (listing; the entries changed since the
//                           last push ended, when one did; its record: shas, added); `HSM-SAME` instead when
//                           KNOWN is the token of that push and nothing changed since; chunks
//                           received, when there are any
//   recv ROOT BLOCK [ENC LEN SHA]...   for each chunk: reads LEN bytes typed to /dev/tty
//                           (non-canonical mode, `HSM-ACK` after each BLOCK bytes), decodes them
//                           (ENC gz|raw) and keeps the chunk as chunks/SHA only when its sha256 is
//                           SHA (`HSM-OK sha` / `HSM-BAD sha got`)
//   have ROOT SHA...        `HSM-HAVE sha` for each chunk the node holds
//   push ROOT BLOCK K [ENC LEN SHA]xK APPLY-ARGS...   recv, then (all chunks intact) apply: a
//                           small push in one command
//   tty ROOT KNOWN PRUNE... a push started before it is known: the copy's check begins, and the
//                           decoding of a small push's data (`#LEN` typed, then LEN bytes), then one
//                           line typed to the terminal says what to do (`#pushed ENC LEN SHA` and
//                           apply's arguments: that data; `#push` with push's arguments after
//                           ROOT, its data behind it; `#state PRUNE...`; `#quit`)
//   apply ROOT rm: P.. rmdir: P.. chmod: MODE P.. chunks: SHA.. prune: P.. token: T [expect: K]
//                           removes, changes modes, extracts the chunks (one tar stream, which
//                           carries the record: `shas` whole, or `shas.add`, what changed since
//                           `shas` was written) and writes the token T last (its mtime:
//                           when the push ended), `HSM-APPLIED`. With expect: only when the copy
//                           is as the push with token K left it (as state's HSM-SAME); else
//                           `HSM-STALE`, `HSM-ROOT` and state's answer, and the chunks are dropped
//   hash ROOT P...          `HSM-H sha` per path, in order
//   pack DIR ID CHUNK P...  tars the paths into ~/.hsm/pull/ID.tar (kept: a resumed pull reuses
//                           it), `HSM-PACK size enc` and `HSM-C sha` per chunk
//   send ID INDEX CHUNK     one chunk of that tar as a section;  drop ID: removes it
//   s3get ROOT URL REGION PROFILE SHA...   copies URL/SHA from S3 with the node's AWS CLI (`aws` on
//                           the PATH, else ~/.local/bin/aws; `-`: no region/profile) and keeps
//                           each as a chunk when its sha256 matches (`HSM-OK sha`; `HSM-STAGEFAIL
//                           why` stops at the first failure, `HSM-MISSING aws`)
//   s3put ID CHUNK URL REGION PROFILE [INDEX SHA]...   copies chunk INDEX of the pull pack ID
//                           to URL/SHA (`HSM-OK sha` each; HSM-STAGEFAIL, HSM-MISSING as s3get)
// Every path argument is relative and starts with `./`, so none is taken for an option.
// The listing uses GNU find's -printf where there is one, else stat(1) per entry (busybox, BSD).

export const HELPER_SCRIPT = String.raw`#!/bin/sh
# hsm session sync helper (installed by hsm; safe to delete)
if command -v base64 >/dev/null 2>&1; then b64e() { base64; }; b64d() { base64 -d; }
elif command -v openssl >/dev/null 2>&1; then b64e() { openssl base64; }; b64d() { openssl base64 -d; }
else echo 'HSM-MISSING base64'; exit 3; fi
# shal: the sha256 then a space and more ($SHAL: the same as a command, which a command
# substitution runs without a second fork); sha: the sha256 alone
if command -v sha256sum >/dev/null 2>&1; then SHAL=sha256sum
elif command -v shasum >/dev/null 2>&1; then SHAL='shasum -a 256'
elif command -v openssl >/dev/null 2>&1; then SHAL='openssl dgst -sha256 -r'
else echo 'HSM-MISSING sha256sum'; exit 3; fi
shal() { $SHAL; }
# the typed lines decoded: base64 skipping their # (GNU -di), else without them (tr)
b64di() { if [ "$BM" = i ]; then base64 -di; else tr -d '#' | b64d; fi; }
sha() { shal | cut -c1-64; }
if command -v gzip >/dev/null 2>&1; then Z=gz; else Z=raw; fi
zc() { if [ $Z = gz ]; then gzip -1 -c; else cat; fi; }
section() { printf 'HSM-SECTION %s %s\n' "$1" $Z; }
# Whether find has -printf (GNU), which stat(1) there is (-c: GNU, busybox; -f: BSD), whether
# tar is GNU tar, find's test for "changed since" (-cnewer: ctime, which no touch -d can put back;
# -newer, mtime, where there is no -cnewer) and whether base64 -di skips the typed lines' #
# (GNU: one tr fewer): detected once per PATH, a line "FM SM TM NM BM PATH" appended to
# $HOME/.hsm/ssync-tools2 (appends of one short line do not interleave: concurrent sessions with
# other PATHs lose none). Every process started costs ~2-20 ms on a node: a push starts few.
find_mode() {
  [ -n "$FM" ] && return
  fc=$HOME/.hsm/ssync-tools2
  if [ -f "$fc" ]; then
    while read -r FM SM TM NM BM fw; do [ "$fw" = "$PATH" ] && [ -n "$BM" ] && return; done <"$fc"
  fi
  if find "$HOME/.hsm" -prune -printf '' >/dev/null 2>&1; then FM=gnu SM=-
  else FM=posix; if stat -c %s "$HOME/.hsm" >/dev/null 2>&1; then SM=c; else SM=f; fi; fi
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then TM=gnu; else TM=other; fi
  if find "$HOME/.hsm" -prune -cnewer "$HOME/.hsm" >/dev/null 2>&1; then NM=-cnewer; else NM=-newer; fi
  if [ "$(echo '#YQ==' | base64 -di 2>/dev/null)" = a ]; then BM=i; else BM=tr; fi
  printf '%s %s %s %s %s %s\n' "$FM" "$SM" "$TM" "$NM" "$BM" "$PATH" >>"$fc"
}
FM= SM= TM= NM= BM=
# find . ( -path ./.hsm -o -path P... ) -prune -o ...: the tree without hsm's own and pruned dirs,
# as: type mode size mtime path NUL link-target NUL (without -printf: stat per entry, the times
# in whole seconds, mtime.ctime, the paths with ./ in front)
listing() { n=$#; for p do set -- "$@" -o -path "$p"; done; shift $n
  find_mode
  if [ "$FM" = gnu ]; then find . \( -path ./.hsm "$@" \) -prune -o -printf '%y %m %s %T@ %P\0%l\0'; return; fi
  find . \( -path ./.hsm "$@" \) -prune -o -exec sh -c '
    m=$1; shift
    for p do
      [ "$p" = . ] && continue
      if [ -L "$p" ]; then t=l; elif [ -d "$p" ]; then t=d; elif [ -f "$p" ]; then t=f; else t=o; fi
      if [ "$m" = c ]; then s=$(stat -c "%a %s %Y.%Z" -- "$p"); else s=$(stat -f "%Lp %z %m.%c" -- "$p"); fi || continue
      l=; [ $t = l ] && l=$(readlink -- "$p")
      printf "%s %s %s\0%s\0" "$t" "$s" "$p" "$l"
    done' sh "$SM" {} +
}
# FIRST PRUNE...: the entries of the copy (the current directory) changed since the last push
# ended: all, NUL-terminated (FIRST=all), or the first one on a line (FIRST=1; exec: find replaces
# the shell, one fork less in a subshell that does nothing else). That push wrote
# its token last: every entry it wrote is older; an edit since (even one whose mtime was put back:
# ctime), a new entry or a removed one (its directory's ctime) is newer.
changed() { q=$1; n=$#; shift; for p do set -- "$@" -o -path "$p"; done; shift $((n - 1))
  find_mode
  set -- . \( -path ./.hsm "$@" \) -prune -o $NM $S/token
  if [ "$q" = all ]; then find "$@" -print0; elif [ "$FM" != gnu ]; then find "$@" -print | head -n 1
  elif [ "$q" = exec ]; then exec find "$@" -print -quit; else find "$@" -print -quit; fi
}
S=.hsm/session-sync
# recv: ROOT BLOCK K, then K chunks as ENC LEN SHA (sets bad=1 when one did not arrive intact;
# leaves the file to remove in junk)
do_recv() {
  root=$1 block=$2 k=$3; shift 3
  d=$root/$S/chunks; t=$d/.in.$$; junk=$t.b64
  find_mode
  if [ -d "$d" ] || mkdir -p -- "$d" 2>/dev/null; then sink=$t.b64; else sink=/dev/null; fi
  # A few KiB are read in the terminal's canonical mode (lines of 1001 bytes, far below its 4095):
  # three stty processes fewer for a small push. More in non-canonical mode: ~2x faster.
  tot=0 i=0
  for a do i=$((i + 1)); [ $((i % 3)) = 2 ] && tot=$((tot + a)); [ $i -ge $((3 * k)) ] && break; done
  old=
  if [ "$tot" -gt 8192 ]; then old=$(stty -g </dev/tty 2>/dev/null) && stty -icanon -echo min 1 time 0 </dev/tty 2>/dev/null; fi
  trap '[ -n "$old" ] && stty "$old" </dev/tty; rm -f "$t" "$t.b64"; exit 130' INT TERM HUP
  while [ "$k" -gt 0 ]; do
    enc=$1 left=$2 want=$3; shift 3; k=$((k - 1))
    if [ "$k" = 0 ] && [ "$left" -le "$block" ] && [ "$sink" != /dev/null ]; then
      # the last chunk, in one block (a small push): decoded as it is read, no file of typed text
      # (were the decoder to stop early, the rest would reach the shell as # comments)
      if [ "$BM" = i ]; then
        if [ "$enc" = gz ]; then head -c "$left" </dev/tty | base64 -di | gzip -dc >"$t"; else head -c "$left" </dev/tty | base64 -di >"$t"; fi
      elif [ "$enc" = gz ]; then head -c "$left" </dev/tty | tr -d '#' | b64d | gzip -dc >"$t"
      else head -c "$left" </dev/tty | tr -d '#' | b64d >"$t"; fi
      echo HSM-ACK
    else
      [ "$sink" = /dev/null ] || : >"$sink"
      while [ "$left" -gt 0 ]; do
        n=$block; [ "$left" -lt "$n" ] && n=$left
        head -c "$n" </dev/tty >>"$sink" || sink=/dev/null
        left=$((left - n)); echo HSM-ACK
      done
      if [ "$sink" = /dev/null ]; then echo "HSM-FAIL cannot write in $d"; bad=1; continue; fi
      if [ "$BM" = i ]; then
        if [ "$enc" = gz ]; then base64 -di <"$sink" | gzip -dc >"$t"; else base64 -di <"$sink" >"$t"; fi
      elif [ "$enc" = gz ]; then tr -d '#' <"$sink" | b64d | gzip -dc >"$t"; else tr -d '#' <"$sink" | b64d >"$t"; fi
    fi
    got=$($SHAL <"$t")
    case $got in
      "$want "*)
        # the last chunk of a push that applies it at once stays where it is (no mv): held
        if [ "$k" = 0 ] && [ -n "$inplace" ]; then held=$want; echo "HSM-OK $want"
        else mv -f "$t" "$d/$want" && echo "HSM-OK $want"; fi ;;
      *) rm -f "$t"; echo "HSM-BAD $want $got"; bad=1 ;;
    esac
  done
  [ -n "$old" ] && stty "$old" </dev/tty
  trap - INT TERM HUP
}
# KNOWN PRUNE...: KNOWN is the token of the last push and the copy (the current directory) is
# untouched since that push ended (t: the token there). The walk over the copy may have run
# already, beside the reading of a push's data (pre: its process, its answer in $S/check.PID).
same_as() {
  known=$1; shift
  t=-; [ -f $S/token ] && read -r t <$S/token
  [ "$known" != - ] && [ "$known" = "$t" ] || return 1
  if [ -n "$pre" ]; then wait "$pre"; pre=; [ ! -s $S/check.$$ ]; else [ -z "$(changed 1 "$@")" ]; fi
}
# - PRUNE...: the first entry changed since the last push ended (same_as's walk, in a subshell)
first_changed() { shift; changed exec "$@"; }
# The copy's state: HSM-SAME (same_as), else its token and sections (listing; when the last push
# ended (a token), the entries changed since: the others are as that push recorded them in shas;
# shas). Then the chunks received.
state_of() {
  if same_as "$@"; then
    echo 'HSM-SAME'
  else
    shift
    echo "HSM-TOKEN $t"
    section listing; listing "$@" | zc | b64e
    if [ -n "$t" ] && [ "$t" != - ]; then section changed; changed all "$@" | zc | b64e; fi
    section shas; cat $S/shas 2>/dev/null | zc | b64e
    section added; cat $S/shas.add 2>/dev/null | zc | b64e
  fi
  for c in $S/chunks/*; do [ -e "$c" ] && { section chunks; ls $S/chunks | zc | b64e; }; break; done
}
# FUNCTION KNOWN APPLY-ARGS: runs FUNCTION KNOWN PRUNE... with apply's prune: paths
with_prunes() {
  wf=$1 wk=$2; shift 2; wn=$# wm=
  for a do case $a in rm: | rmdir: | chmod: | chunks: | prune: | token: | expect:) wm=$a ;; *) [ "$wm" = prune: ] && set -- "$@" "$a" ;; esac; done
  shift $wn
  $wf "$wk" "$@"
}
# apply: ROOT rm: .. rmdir: .. chmod: .. chunks: .. prune: .. token: T [expect: KNOWN]
# With expect:, nothing is changed unless the copy is untouched since the push KNOWN names (the
# caller planned against what that push left): else HSM-STALE and the copy's state instead.
do_apply() {
  root=$1; shift
  # the typed text of a chunk is not needed once it was decoded (its path is from $HOME)
  [ -n "$junk" ] && [ -e "$junk" ] && rm -f "$junk"; junk=
  [ -d "$root" ] || mkdir -p -- "$root" 2>/dev/null; cd -- "$root" 2>/dev/null || { echo "HSM-FAIL cannot enter $root"; exit 1; }
  [ -d $S/chunks ] || mkdir -p $S/chunks
  mode= m= nc=0 used= tok=- exp=
  for a do
    case $a in rm: | rmdir: | chmod: | chunks: | prune: | token: | expect:) mode=$a; continue ;; esac
    case $mode in
      chunks:)
        if [ "$a" = "$held" ]; then used="$used $S/chunks/.in.$$"
        else [ -f "$S/chunks/$a" ] || { echo "HSM-FAIL missing chunk $a"; exit 1; }; used="$used $S/chunks/$a"; fi
        nc=$((nc + 1)) ;;
      expect:) exp=$a ;;
    esac
  done
  if [ -n "$exp" ] && ! with_prunes same_as "$exp" "$@"; then
    rm -f $used $junk $S/check.$$
    echo 'HSM-STALE'; echo "HSM-ROOT ok $Z"
    with_prunes state_of - "$@"
    return
  fi
  for a do
    case $a in rm: | rmdir: | chmod: | chunks: | prune: | token: | expect:) mode=$a; continue ;; esac
    case $mode in
      rm:) rm -rf "$a" ;;
      rmdir:) rmdir "$a" 2>/dev/null ;;
      chmod:) if [ -z "$m" ]; then m=$a; else chmod "$m" "$a"; m=; fi ;;
      token:) tok=$a ;;
    esac
  done
  find_mode
  if [ "$TM" = gnu ]; then o=--no-same-owner; else o=; fi
  # the record the stream carries (shas: the whole; shas.add: what changed since shas was
  # written, whole): the token names it (the state command's HSM-SAME), so it is cleared before
  # tar writes the record, and never names a record half rewritten
  : >$S/token
  if [ $nc = 1 ]; then tar -xpf $used $o; elif [ $nc -gt 1 ]; then cat $used | tar -xpf - $o; fi ||
    { echo 'HSM-FAIL tar could not extract the files'; exit 1; }
  [ -f $S/check.$$ ] && used="$used $S/check.$$"
  [ -f $S/chunks/.in.$$.sha ] && used="$used $S/chunks/.in.$$.sha"
  [ -n "$used$junk" ] && rm -f $used $junk
  # chunks an abandoned push left over a day ago (another push to the same directory may be
  # sending its own right now)
  for c in $S/chunks/*; do [ -e "$c" ] && find $S/chunks -type f -mtime +1 -exec rm -f {} + 2>/dev/null; break; done
  # the token last: it names the record, and its mtime marks the end of the push (changed)
  printf '%s\n' "$tok" >$S/token
  echo 'HSM-APPLIED'
}
# REGION PROFILE (- for none): the node's AWS CLI in aws (on the PATH, else where pip --user puts
# it) and its options in o; HSM-MISSING aws when there is none
aws_of() {
  o=; [ "$1" = - ] || o="--region $1"; [ "$2" = - ] || o="$o --profile $2"
  if command -v aws >/dev/null 2>&1; then aws=aws; elif [ -x "$HOME/.local/bin/aws" ]; then aws=$HOME/.local/bin/aws
  else echo 'HSM-MISSING aws'; exit 3; fi
}
# ROOT KNOWN PRUNE...: state's answer (the copy untouched since the last push and the caller
# holding that push's stat listing and record, KNOWN the token it left: neither is sent again)
do_state() {
  root=$1 known=$2; shift 2
  for t in find tar head; do command -v $t >/dev/null 2>&1 || echo "HSM-MISSING $t"; done
  if [ ! -e "$root" ]; then echo "HSM-ROOT none $Z"; exit 0; fi
  if [ ! -d "$root" ]; then echo 'HSM-ROOT notdir'; exit 0; fi
  cd -- "$root" 2>/dev/null || { echo 'HSM-ROOT denied'; exit 0; }
  echo "HSM-ROOT ok $Z"
  state_of "$known" "$@"
  echo 'HSM-END'
}
# ROOT: a push whose data did not all arrive intact: nothing applied; a chunk that arrived
# intact is kept for the push sent again
unpushed() {
  [ -n "$pre" ] && wait "$pre"
  u=$1/$S/chunks/.in.$$
  if [ -n "$held" ]; then rm -f "$junk" "$1/$S/check.$$" "$u.sha"; mv -f "$u" "$1/$S/chunks/$held"
  else rm -f "$junk" "$1/$S/check.$$" "$u" "$u.sha"; fi
}
# Relative paths start at the home directory, wherever the session's shell started (an SSM
# shell may start in /usr/bin).
[ -n "$HOME" ] && cd "$HOME" 2>/dev/null
bad=0 junk= pre= inplace= held=
cmd=$1; shift
case $cmd in
state) do_state "$@" ;;
tty)
  # ROOT KNOWN PRUNE...: a push begun before this machine knows what it sends (its local scan
  # runs meanwhile). Started now: the check of the copy, and the processes that decode and
  # checksum a small push's data (a line '#LEN' typed, then LEN bytes: its base64 lines, gz when
  # the node has gzip; '#0' for none), so that few processes start once the data is there. Then
  # one line typed says what to do, '#' and words quoted by hsm's one quoting function (no
  # control characters), eval'd: '#pushed ENC LEN SHA APPLY-ARGS...' (the data was in those
  # bytes), '#push BLOCK K [ENC LEN SHA]xK APPLY-ARGS...' (as push: its data follows), '#state
  # PRUNE...' (as state, with this KNOWN) or '#quit'
  r=$1 kn=$2; shift 2
  [ -d "$r/$S" ] && { (cd -- "$r" && changed exec "$@" >$S/check.$$) & pre=$!; }
  d=$r/$S/chunks; t=$d/.in.$$
  find_mode
  if [ -d "$r" ] && { [ -d "$d" ] || mkdir -p -- "$d" 2>/dev/null; }; then
    if [ $Z != gz ]; then { { IFS='#' read -r _ n </dev/tty; exec head -c "$n" </dev/tty; } | b64di | tee "$t" | $SHAL >"$t.sha"; } 2>/dev/null &
    elif [ "$BM" = i ]; then { { IFS='#' read -r _ n </dev/tty; exec head -c "$n" </dev/tty; } | base64 -di | gzip -dc | tee "$t" | $SHAL >"$t.sha"; } 2>/dev/null &
    else { { IFS='#' read -r _ n </dev/tty; exec head -c "$n" </dev/tty; } | b64di | gzip -dc | tee "$t" | $SHAL >"$t.sha"; } 2>/dev/null &
    fi
    pipe=$!
  else { IFS='#' read -r _ n </dev/tty; exec head -c "$n" </dev/tty; } >/dev/null 2>&1 & pipe=$! t=; fi
  # (the line follows those bytes: read once they are)
  wait $pipe
  IFS= read -r line </dev/tty || line='#quit'
  # (x: the line's # is then inside the first word, not a comment)
  eval "set -- x$line"
  case $1 in
  'x#pushed')
    want=$4; shift 4; got=
    [ -n "$t" ] && read -r got <"$t.sha"
    case $got in
      "$want "*) held=$want; inplace=1; echo "HSM-OK $want"; do_apply "$r" "$@" ;;
      # (not intact, or not decoded here: nothing kept, sent again with push)
      *) echo "HSM-BAD $want $got"; unpushed "$r" ;;
    esac ;;
  'x#push')
    shift; b=$1 nk=$2; shift 2; inplace=1
    do_recv "$r" "$b" "$nk" "$@"
    shift $((3 * nk))
    if [ $bad = 0 ]; then do_apply "$r" "$@"; else unpushed "$r"; fi ;;
  'x#state')
    # (same_as waits for the check begun above: it ran in $r)
    rm -f "$d/.in.$$" "$d/.in.$$.sha"; do_state "$r" "$kn" "$@" ;;
  *) [ -n "$pre" ] && wait "$pre"; rm -f "$d/.in.$$" "$d/.in.$$.sha" "$r/$S/check.$$" ;;
  esac ;;
recv)
  r=$1 b=$2; shift 2
  do_recv "$r" "$b" $(($# / 3)) "$@"
  rm -f "$junk" ;;
push)
  r=$1 b=$2 nk=$3; shift 3
  # planned on the copy as the last push left it (expect:): the walk that checks it runs now,
  # beside the reading of the data (two processes at once where the node has two CPUs)
  pre= inplace=1
  for a do
    [ "$a" = expect: ] && [ -d "$r/$S" ] && { (shift $((3 * nk)); cd -- "$r" && with_prunes first_changed - "$@" >$S/check.$$) & pre=$!; break; }
  done
  do_recv "$r" "$b" "$nk" "$@"
  shift $((3 * nk))
  if [ $bad = 0 ]; then do_apply "$r" "$@"; else unpushed "$r"; fi ;;
have)
  d=$1/$S/chunks; shift
  for c do [ -f "$d/$c" ] && echo "HSM-HAVE $c"; done
  exit 0 ;;
apply) do_apply "$@" ;;
hash)
  cd -- "$1" || exit 1; shift
  for p do if [ -f "$p" ] && [ -r "$p" ]; then echo "HSM-H $(sha <"$p")"; else echo 'HSM-H -'; fi; done ;;
pack)
  dir=$1 id=$2 chunk=$3; shift 3
  cd -- "$dir" 2>/dev/null || { echo "HSM-FAIL cannot enter $dir"; exit 1; }
  mkdir -p "$HOME/.hsm/pull" && t=$HOME/.hsm/pull/$id.tar
  find_mode; if [ "$TM" = gnu ]; then o=--no-recursion; else o=; fi
  [ -f "$t" ] || { tar -cf "$t.part" $o "$@" && mv -f "$t.part" "$t"; } || { rm -f "$t.part"; echo 'HSM-FAIL tar could not read the files'; exit 1; }
  size=$(wc -c <"$t"); echo "HSM-PACK $size $Z"; i=0
  while [ $((i * chunk)) -lt "$size" ]; do echo "HSM-C $(dd if="$t" bs="$chunk" skip=$i count=1 2>/dev/null | sha)"; i=$((i + 1)); done ;;
send)
  t=$HOME/.hsm/pull/$1.tar
  [ -f "$t" ] || { echo 'HSM-FAIL the pack is gone'; exit 1; }
  section data; dd if="$t" bs="$3" skip="$2" count=1 2>/dev/null | zc | b64e; echo 'HSM-END' ;;
drop) rm -f "$HOME/.hsm/pull/$1.tar" ;;
s3get)
  root=$1 url=$2; aws_of "$3" "$4"; shift 4
  d=$root/$S/chunks; t=$d/.in.$$
  mkdir -p -- "$d" 2>/dev/null || { echo "HSM-FAIL cannot write in $d"; exit 1; }
  for c do
    if ! err=$("$aws" s3 cp --only-show-errors $o "$url/$c" "$t" 2>&1); then
      rm -f "$t"; echo "HSM-STAGEFAIL $(printf '%s' "$err" | tr '\n' ' ' | cut -c1-300)"; exit 1
    fi
    got=$(sha <"$t")
    if [ "$got" = "$c" ]; then mv -f "$t" "$d/$c" && echo "HSM-OK $c"; else rm -f "$t"; echo "HSM-BAD $c $got"; fi
  done ;;
s3put)
  t=$HOME/.hsm/pull/$1.tar chunk=$2 url=$3; aws_of "$4" "$5"; shift 5
  [ -f "$t" ] || { echo 'HSM-FAIL the pack is gone'; exit 1; }
  while [ $# -ge 2 ]; do
    if ! err=$(dd if="$t" bs="$chunk" skip="$1" count=1 2>/dev/null | "$aws" s3 cp --only-show-errors $o - "$url/$2" 2>&1); then
      echo "HSM-STAGEFAIL $(printf '%s' "$err" | tr '\n' ' ' | cut -c1-300)"; exit 1
    fi
    echo "HSM-OK $2"; shift 2
  done ;;
*) echo "HSM-FAIL unknown command $cmd"; exit 2 ;;
esac
`;

/** Changes with the script: a node keeps one file per version. */
export const HELPER_VERSION = createHash('sha256').update(HELPER_SCRIPT).digest('hex').slice(0, 12);

const HELPER = `"$HOME"/.hsm/ssync-${HELPER_VERSION}.sh`;

/** Exit code of `sh` when the helper file is not there (then it is installed and asked again). */
export const HELPER_MISSING_EXIT = 127;

/**
 * `HSM-LINES` in a command's output: the session's shell reads its input a line at a time (bash,
 * zsh, dash: not busybox ash's, ksh's or yash's line editors, which may read ahead), so text for a
 * command may be typed right behind its command line (SessionInput.early). Run by that shell (the
 * command's subshell), before the helper.
 */
const LINES_PROBE = '[ -z "$KSH_VERSION$BB_ASH_VERSION$YASH_VERSION" ] && echo HSM-LINES';

/** The command line running one helper command (arguments quoted by the one quoting function). */
export function helperCommand(args: readonly string[]): string {
  // exec: the command's subshell becomes the helper (one fork less)
  return `${LINES_PROBE}; [ -f ${HELPER} ] || exit ${HELPER_MISSING_EXIT}; exec sh ${HELPER} ${quoteShellArgv(args)}`;
}

/** Installs the helper (written to a temporary name, then renamed: never half a script). */
export function installHelperCommand(): string {
  return (
    `mkdir -p "$HOME"/.hsm && printf '%s' ${quoteShellWord(HELPER_SCRIPT)} >${HELPER}.$$ && ` +
    `mv -f ${HELPER}.$$ ${HELPER} && echo HSM-INSTALLED`
  );
}

/** A relative path as a helper argument: `./` first (never an option), glob characters as is. */
export function pathArg(path: string): string {
  return './' + path;
}

/** A path for find's -path (glob characters escaped). */
export function prunePattern(path: string): string {
  return './' + path.replace(/[\\*?[\]]/g, (c) => '\\' + c);
}
