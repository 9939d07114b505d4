# etcfs: the front door. `make help` lists the targets.
SHELL := /bin/bash
BUILD_TEST ?= build/asan
BUILD_REL ?= build/release
PREFIX ?= /usr/local
DATA_DIR ?= default.etcfs
# Extra arguments for the benchmark binary, e.g. BENCH_ARGS=--benchmark_filter=Put
BENCH_ARGS ?=

.PHONY: all help deps build programs test bench compare-etcd soak fuzz tsan run cluster shell install clean

all: build

help:
	@echo "make deps     install the Debian packages etcfs needs (as root; quick when present)"
	@echo "make          build the release binaries in $(BUILD_REL)"
	@echo "make test     deps + a sanitizer build (ASan, UBSan) in $(BUILD_TEST) + every test"
	@echo "make bench    the benchmarks, built for release: the store, a 3-process Raft cluster, the filesystem and inotify beside tmpfs and etcd, etcfsctl bench beside etcd"
	@echo "make compare-etcd  etcfs/etcd ratios (throughput, p99, restart and RSS with 1M keys) and a latency plot, in $(BUILD_REL)/compare-etcd"
	@echo "make soak     DURATION=30m FILE_CLIENTS=2 MODEL_SEEDS=500: the fault harness (kill -9, SIGSTOP, partitions, loss, quorum loss) on 3 members, API and mount clients, runs of 60 s, report in soak-report.txt; then the filesystem model test against tmpfs, MODEL_SEEDS seeds of 1000 steps"
	@echo "make fuzz     FUZZ_SECONDS=60: each libFuzzer target of tests/fuzz (clang), crashers to $(BUILD_FUZZ)/crashes"
	@echo "make tsan     ThreadSanitizer build in $(BUILD_TSAN), run over the concurrency-heavy tests"
	@echo "make run      start a single-member etcfsd in ./$(DATA_DIR) on 127.0.0.1:2379, mounted on ./mnt (Ctrl-C stops it)"
	@echo "make cluster  start 3 members on loopback, mounted on ./mnt1 ./mnt2 ./mnt3 (Ctrl-C stops them)"
	@echo "make shell    the store shell, for inspecting ./$(DATA_DIR)/member/store offline"
	@echo "make install  install binaries under PREFIX=$(PREFIX) (DESTDIR honoured)"

deps:
	@scripts/install-deps.sh

$(BUILD_REL)/build.ninja:
	cmake -S . -B $(BUILD_REL) -G Ninja -DCMAKE_BUILD_TYPE=Release

$(BUILD_TEST)/build.ninja:
	cmake -S . -B $(BUILD_TEST) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DETCFS_SANITIZE=ON -DETCFS_BUILD_BENCH=OFF

build: deps $(BUILD_REL)/build.ninja
	cmake --build $(BUILD_REL)

# What `make run`, `make cluster` and `make shell` start, without the tests and benchmarks.
PROGRAMS = etcfsd etcfsctl mount.etcfs etcfs-store
programs: deps $(BUILD_REL)/build.ninja
	cmake --build $(BUILD_REL) --target $(PROGRAMS)

test: deps $(BUILD_TEST)/build.ninja
	cmake --build $(BUILD_TEST)
	cd $(BUILD_TEST) && ctest --output-on-failure --timeout 900 -j2
	@cat $(BUILD_TEST)/fault-profile-*.txt 2>/dev/null || true

bench: build
	$(BUILD_REL)/bench/store_bench $(BENCH_ARGS)
	$(BUILD_REL)/bench/raft_bench $(BUILD_REL)/tests/consensus/raft_node
	bash bench/compare_fs.sh $(BUILD_REL)/server/etcfsd $(BUILD_REL)/bench/fs_bench $(BUILD_REL)/tests/support/free_port \
	  $(BUILD_REL)/mount-tools/mount.etcfs
	bash bench/compare_inotify.sh $(BUILD_REL)/server/etcfsd $(BUILD_REL)/bench/inotify_bench \
	  $(BUILD_REL)/tests/support/free_port $(BUILD_REL)/mount-tools/mount.etcfs
	bash bench/restart_after_files.sh $(BUILD_REL)/server/etcfsd $(BUILD_REL)/tests/support/free_port
	$(MAKE) compare-etcd

# etcfs beside etcd 3.4, 3 members each: bench workloads, restart and RSS with
# KEYS keys; the table and plot in $(COMPARE_OUT). REPEAT runs of each workload.
COMPARE_OUT ?= $(BUILD_REL)/compare-etcd
compare-etcd: build
	bash bench/compare_etcd.sh $(BUILD_REL)/server/etcfsd $(BUILD_REL)/ctl/etcfsctl $(BUILD_REL)/tests/support/free_port \
	  $(COMPARE_OUT)

BUILD_FUZZ ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = path_codec request_validation peer_message wal_segment gateway_json bbolt_reader
$(BUILD_FUZZ)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DETCFS_FUZZ=ON -DETCFS_BUILD_BENCH=OFF
fuzz: deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The concurrency-heavy tests: the store's watch hub and compactor, the
# transport, Raft clusters, the server's apply path (every test that starts
# etcfsd), the filesystem's workers, invalidator and echo thread (real mounts).
BUILD_TSAN ?= build/tsan
TSAN_TESTS = StoreWatch|StoreCompaction|StoreCrash|Transport|RaftCluster|AppliedRequests|AutoCompaction|fs\.|ctl\.lease|cluster\.fault_profile_short|conformance\.(watch|lease)
$(BUILD_TSAN)/build.ninja:
	cmake -S . -B $(BUILD_TSAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DETCFS_TSAN=ON -DETCFS_BUILD_BENCH=OFF
tsan: deps $(BUILD_TSAN)/build.ninja
	cmake --build $(BUILD_TSAN)
	cd $(BUILD_TSAN) && TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure --timeout 900 -j2 -R '$(TSAN_TESTS)'

DURATION ?= 30m
FILE_CLIENTS ?= 2
MODEL_SEEDS ?= 500
soak: build
	$(BUILD_REL)/tests/cluster/fault_harness --etcfsd $(BUILD_REL)/server/etcfsd --duration $(DURATION) \
	  --seconds 60 --keys 16 --state-budget 4000000 --network netns --file-clients $(FILE_CLIENTS) --report soak-report.txt
	FREE_PORT=$(BUILD_REL)/tests/support/free_port bash tests/fs/model_vs_tmpfs.sh $(BUILD_REL)/server/etcfsd \
	  1-$(MODEL_SEEDS) 1000

run: programs
	@mkdir -p mnt
	@echo "etcfsd: a single-member cluster, data in ./$(DATA_DIR), clients on 127.0.0.1:2379,"
	@echo "its keys mounted as files on ./mnt. In another terminal, try:"
	@echo "  echo 'listen 8080' > mnt/app.conf        # a file is a key: committed on close"
	@echo "  etcdctl get /app.conf                     # ... and read back through the etcd API"
	@echo "  etcdctl put /etc/motd 'hello from etcd'   # a key is a file"
	@echo "  cat mnt/etc/motd; ls -la mnt mnt/etc"
	@echo "  mkdir mnt/empty; etcdctl get --prefix /empty   # an empty directory is a marker key"
	@echo "  getfattr -d mnt/app.conf                  # revision, version, lease as xattrs"
	@echo "Ctrl-C stops it and unmounts ./mnt."
	$(BUILD_REL)/server/etcfsd --data-dir $(DATA_DIR) --mount $(CURDIR)/mnt

cluster: programs
	@scripts/cluster.sh $(BUILD_REL)/server/etcfsd

shell: programs
	$(BUILD_REL)/store/etcfs-store $(DATA_DIR)/member/store

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD_REL) --prefix $(PREFIX)

clean:
	rm -rf build
