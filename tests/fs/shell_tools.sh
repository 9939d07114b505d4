#!/usr/bin/env bash
# Shell tools as people use them, run step by step on an etcfs mount and on a
# tmpfs directory; every step's output and exit status must match. Then the
# keys must hold what the files hold, and diff -r must find no difference.
#   shell_tools.sh ETCFSD                          etcfsd's own mount (local backend)
#   shell_tools.sh ETCFSD MOUNT_ETCFS [etcfsd]     mount.etcfs (remote backend) of Debian's
#                                                  etcd, or of etcfsd's API
etcfsd=$(realpath "$1")
mount_etcfs=${2:+$(realpath "$2")}
remote_of=${3:-etcd}
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

make_tmpfs "$work/tmpfs"
if [ -n "$mount_etcfs" ] && [ "$remote_of" = etcfsd ]; then
  plan_cluster 1
  start_member 1 ""
  wait_member 1
  ep="127.0.0.1:${cport[1]}"
  mount_remote "$ep" "$work/mnt"
elif [ -n "$mount_etcfs" ]; then
  start_etcd
  ep=$etcd_ep
  mount_remote "$ep" "$work/mnt"
else
  plan_cluster 1
  start_member 1 "$work/mnt"
  wait_member 1 "$work/mnt"
  ep="127.0.0.1:${cport[1]}"
fi

# A source tree for tar: nested directories, modes, a symlink, an empty directory.
mkdir -p "$work/src/etc/app/conf.d" "$work/src/var/empty"
printf 'listen 80\nworkers 4\n' >"$work/src/etc/app/main.conf"
printf 'x=1\n' >"$work/src/etc/app/conf.d/10-x.conf"
printf '#!/bin/sh\necho hi\n' >"$work/src/etc/app/run.sh"
chmod 755 "$work/src/etc/app/run.sh"
chmod 600 "$work/src/etc/app/conf.d/10-x.conf"
ln -s main.conf "$work/src/etc/app/current.conf"
head -c 100000 /dev/urandom | base64 >"$work/src/etc/app/big.txt"
tar -C "$work/src" -cf "$work/src.tar" .

norm_ls() { awk 'NR > 1 { if ($1 ~ /^d/) print $1, $3, $4, $NF; else print $1, $3, $4, $5, $NF }'; }
tree() {
  find . \( -type f -printf '%y %m %u:%g %s %p\n' \) -o \( -type l -printf '%y %u:%g %p -> %l\n' \) \
    -o -printf '%y %m %u:%g %p\n' | sort
}
# Runs one step, printing it, its output and its exit status.
r() {
  local rc=0
  echo "\$ $1"
  ( eval "$1" ) 2>&1 || rc=$?
  echo "[exit $rc]"
}
steps() {
  r 'echo hello > a'
  r 'echo world >> a'
  r 'cat a'
  r 'ls -la --time-style=+ | norm_ls'
  r 'stat -c "%n %s %F %a %U %G" a'
  r 'touch b && stat -c "%n %s %F" b'
  r 'touch -d "2020-01-02 03:04:05" b && stat -c "%n %y" b'
  r 'mkdir -p d1/d2/d3 && echo x > d1/d2/d3/f && echo y > d1/g && tree'
  r 'mkdir d1'
  r 'rmdir d1/d2/d3'
  r 'cp -a d1 d1copy && tree'
  r 'mv a a2 && cat a2 && cat a'
  r 'mv d1copy d1moved && tree'
  r 'mv b d1moved/ && ls d1moved'
  r 'rm -r d1moved && tree'
  r 'mkdir e && rmdir e && ls'
  r 'ln -s a2 link && readlink link && cat link'
  r 'chmod 640 a2 && stat -c "%a" a2'
  r 'chown 1000:1000 a2 && stat -c "%u %g" a2'
  r 'find . | sort'
  r 'grep -r hello . | sort'
  r 'sed -i s/hello/HELLO/ a2 && cat a2 && stat -c "%a %u %g" a2'
  r 'printf XY | dd of=a2 bs=1 seek=1 conv=notrunc status=none && cat a2'
  r 'truncate -s 3 a2 && cat a2 && stat -c %s a2'
  r ': > empty && stat -c %s empty'
  r 'mkdir untar && tar -C untar -xf "$work/src.tar" && cd untar && tree'
  r 'cat untar/etc/app/current.conf && untar/etc/app/run.sh'
  r 'python3 "$here/rename_temp.py" .'
  r 'echo old > target && echo new > source && mv source target && cat target && ls source'
  r 'mv d1 d1renamed && tree'
  r 'mv a2 d1renamed/d2/ && ls d1renamed/d2'
  r 'mkdir -p x/y && mv x x/y/z'
  r 'mkdir dA dB && touch dB/f && mv dA dB && tree'
  r 'mkdir -p m/n && echo q > m/n/q && mv m/n . && tree'
  r 'mkdir -p t1 t2 && echo z > t1/z && mv -T t1 t2 && tree'
  r 'mkdir t3 t4 && mv -T t3 t4 && ls -d t3 t4'
  r 'mkdir t5 && mv -T t5 t2'
  r 'for w in 1 2 3 4; do (for n in $(seq 1 25); do echo "w$w-$n" >> appended; done) & done; wait; sort appended | md5sum; wc -l < appended; rm appended'
  r 'cp -r untar/etc copied && diff -r untar/etc copied && echo same'
  r 'rm -rf untar/var && find untar -type d | sort'
  r 'ls -la --time-style=+ | norm_ls'
}

(cd "$work/mnt" && steps) >"$work/etcfs.out"
(cd "$work/tmpfs" && steps) >"$work/tmpfs.out"
[ -n "${KEEP_OUTPUT:-}" ] && cp "$work/etcfs.out" "$KEEP_OUTPUT"
if ! diff -u "$work/tmpfs.out" "$work/etcfs.out"; then
  fail "the mount and tmpfs differ (tmpfs first, then etcfs)"
fi

# What the files hold is what the keys hold.
diff -r --no-dereference "$work/tmpfs" "$work/mnt" || fail "diff -r finds differences"
(cd "$work/tmpfs" && find . -type f | sort) | while read -r f; do
  key="/${f#./}"
  want=$(md5sum <"$work/tmpfs/$f")
  got=$(ctl --endpoints "$ep" get "$key" --print-value-only | head -c -1 | md5sum)
  [ "$want" = "$got" ] || fail "key $key does not hold what $f holds"
done
n=$(cd "$work/tmpfs" && find . -type f | wc -l)
echo "PASS: $(wc -l <"$work/etcfs.out") lines of output identical to tmpfs; $n files match their keys"
