# SPDX-License-Identifier: GPL-2.0
#
# forkstat. The module's objects are listed in Kbuild; the work behind
# check and demo lives in scripts/. Targets:
#   make [KVER=<release> | KDIR=<kernel build dir>]  forkstat.ko and forkstatctl
#   make check        every selftest on every supported kernel and flavour
#                     (generic, rt, cloud), in VMs
#   make check-debug  every selftest on two 6.12 kernels, generic and
#                     PREEMPT_RT, with KASAN, KFENCE, lockdep, kmemleak and
#                     fault injection, built once from linux-source-6.12
#   make demo         see forkstat work in a VM
#   make bench        what the probes cost in instructions (QEMU icount);
#                     BASE=REV: what the change since REV costs
#   make install      module, forkstatctl, its man page and the systemd
#                     timer that keeps node_exporter's forkstat.prom fresh
#                     (DESTDIR, PREFIX=/usr/local, UNITDIR and KVER
#                     honoured); install-module and install-cli: each half
#   make uninstall    the same files removed
#   make deps         install what the above need (Debian 12, as root)
#   make checkpatch   the kernel's style check on module/ (--strict)
# Modules are built in build/<release>/, one tree per kernel.

ifneq ($(KDIR),)
KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

BUILD := $(CURDIR)/build
MODDIR := $(BUILD)/$(KVER)
KSFT_DIR := $(CURDIR)/.cache/kselftest
KSFT_INSTALL := $(BUILD)/ksft
CHECKPATCH := $(CURDIR)/.cache/checkpatch/checkpatch.pl

PREFIX ?= /usr/local
# The module goes where kbuild's modules_install puts it, signed and
# compressed as the kernel's configuration says (6.12's: forkstat.ko.xz).
INSTALL_MOD_DIR := extra
INSTALL_MOD := $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/forkstat.ko
INSTALL_CTL := $(DESTDIR)$(PREFIX)/sbin/forkstatctl
INSTALL_MAN := $(DESTDIR)$(PREFIX)/share/man/man8/forkstatctl.8
# The textfile refresher: Debian's node_exporter reads this directory.
UNITDIR := $(DESTDIR)$(PREFIX)/lib/systemd/system
TEXTFILE_DIR ?= /var/lib/prometheus/node-exporter
INSTALL_UNITS := $(UNITDIR)/forkstat-textfile.service $(UNITDIR)/forkstat-textfile.timer
# depmod only for the running system's tree; a staged DESTDIR is the
# packager's to index. (kbuild's own depmod needs the System.map that
# Debian's headers do not ship.)
DEPMOD := $(if $(DESTDIR),true,depmod -a $(KVER))

# checkpatch warnings we accept, by type, each with its reason:
# MACRO_ARG_REUSE (--strict only): module/param.h names its parameter
# twice, as module_param() itself does; an identifier has no side effects.
CHECKPATCH_IGNORE := MACRO_ARG_REUSE

all: module cli tools

module:
ifeq ($(wildcard $(KDIR)/Makefile),)
	@echo "forkstat: no kernel headers in $(KDIR): module not built" \
	      "(apt-get install linux-headers-$(KVER), or make KVER=<release>)"
else
	@mkdir -p $(MODDIR)
	@rsync -a Kbuild dkms.conf module $(MODDIR)/
	$(MAKE) -C $(KDIR) M=$(MODDIR) modules
endif

cli:
	$(MAKE) -C userspace

# Load generators the demo and the benchmarks run in the VM.
tools:
	$(MAKE) -C bench

$(KSFT_DIR)/lib.mk $(CHECKPATCH):
	scripts/install-deps

# Installed the way the kernel's kselftest_install.sh lays a collection
# out, ready for scripts/ksft-run inside the VM.
# The end-to-end tests also run forkstatctl, bench/blockers and bigfork,
# installed next to them.
selftests: $(KSFT_DIR)/lib.mk cli tools
	@mkdir -p $(BUILD)/selftests $(KSFT_INSTALL)
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests install \
		INSTALL_PATH=$(KSFT_INSTALL)/forkstat
	@cp userspace/forkstatctl bench/blockers bench/bigfork $(KSFT_INSTALL)/forkstat/
	@rsync -a $(KSFT_DIR)/kselftest $(KSFT_INSTALL)/
	@$(MAKE) -s --no-print-directory -C selftests OUTPUT=$(BUILD)/selftests \
		emit_tests COLLECTION=forkstat > $(KSFT_INSTALL)/kselftest-list.txt

install: install-module install-cli
	@[ -n "$(DESTDIR)" ] || [ ! -d /run/systemd/system ] || \
		{ systemctl daemon-reload && systemctl enable --now forkstat-textfile.timer; }

install-module: module
	$(MAKE) -C $(KDIR) M=$(MODDIR) modules_install INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR)
	$(DEPMOD)

# forkstatctl, its man page and the textfile timer: all the forkstatctl
# package holds (debian/rules).
install-cli: cli
	install -D -m 0755 userspace/forkstatctl $(INSTALL_CTL)
	install -D -m 0644 userspace/forkstatctl.8 $(INSTALL_MAN)
	@mkdir -p $(UNITDIR)
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@TEXTFILE_DIR@|$(TEXTFILE_DIR)|g' \
		userspace/systemd/forkstat-textfile.service.in > $(UNITDIR)/forkstat-textfile.service
	install -m 0644 userspace/systemd/forkstat-textfile.timer $(UNITDIR)/

uninstall:
	@[ -n "$(DESTDIR)" ] || [ ! -d /run/systemd/system ] || \
		systemctl disable --now forkstat-textfile.timer 2>/dev/null || true
	rm -f $(addprefix $(INSTALL_MOD),"" .xz .gz .zst) $(INSTALL_CTL) $(INSTALL_MAN) \
		$(INSTALL_UNITS)
	$(DEPMOD)

checkpatch: $(CHECKPATCH)
	$(CHECKPATCH) --no-tree --strict --show-types --quiet \
		$(if $(CHECKPATCH_IGNORE),--ignore $(CHECKPATCH_IGNORE)) \
		-f module/*.[ch] module/uapi/*.h

deps:
	scripts/install-deps

check:
	scripts/check

check-debug:
	scripts/check-debug

demo:
	scripts/demo

bench:
	scripts/bench

clean:
	rm -rf $(BUILD)
	$(MAKE) -C userspace clean
	$(MAKE) -C bench clean

.PHONY: all module cli tools selftests install install-module install-cli uninstall checkpatch deps check \
	check-debug demo bench clean
