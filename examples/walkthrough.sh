#!/bin/sh
# The README's walkthrough — "A case from call to revisit" and "Overdue, for cron" — as
# one script: every command the README shows, in its order, on an empty database, with
# the clock pinned at each step (AFTERSALES_NOW).
#
#   sh examples/walkthrough.sh                      # makes ./aftersales-walkthrough.db
#   AFTERSALES_DB=/tmp/walk.db sh examples/walkthrough.sh
#
# Each command is printed as `$ command`, then what it printed (stdout and stderr, in
# order). tests/test_readme_walkthrough.py checks the README against this output, and
# `python3 tests/test_readme_walkthrough.py --update` rewrites the README's outputs from
# it. `# README shows:` comments under a command are regular expressions choosing the
# lines the README keeps (the others become `…`; each must match a line, so that a
# changed view is noticed); `# README cuts at:` the width in columns at which the README
# cuts longer lines with `…`. Without them the README shows the whole output.

AFTERSALES_DB=${AFTERSALES_DB:-aftersales-walkthrough.db}
if [ -e "$AFTERSALES_DB" ]; then
    echo "walkthrough: $AFTERSALES_DB exists; the walkthrough starts from an empty database" >&2
    exit 2
fi
export AFTERSALES_DB
export AFTERSALES_OPERATOR=客服小王
export AFTERSALES_TZ=Asia/Shanghai
unset AFTERSALES_RULES
# Warnings (stderr) interleave with the output as they do on a terminal.
export PYTHONUNBUFFERED=1

run() {
    printf '$ %s\n' "$1"
    eval "$1" || {
        status=$?
        echo "walkthrough: exit status $status from: $1" >&2
        exit "$status"
    }
}

# A teacher calls the hotline about the lunch her class was served.
export AFTERSALES_NOW=2026-11-23T11:50
run 'aftersales log "午餐米饭有馊味，两个孩子吃完腹泻" --channel hotline --customer 李女士 --phone 13912345678 --org 实验小学 --product 午餐A套餐 --batch B-1122-02 --delivery-date "2026-11-23 11:30" --people 2 --ill'

# More calls from the same school that morning: a late delivery, then another…
export AFTERSALES_NOW=2026-11-23T11:55
run 'aftersales log "今天午餐晚了半小时" --channel online --customer 王老师 --phone 13900000070 --org 实验小学 --category delivery_delay'
# README shows: ^Logged
export AFTERSALES_NOW=2026-11-23T11:58
run 'aftersales log "午餐又晚了，孩子们等到十二点" --channel online --customer 赵老师 --phone "+86 137 0000 0071" --org "实验小学 " --category delivery_delay'
# README shows: ^Logged
# README shows: ^warning
# … and a second child ill the same day.
export AFTERSALES_NOW=2026-11-23T12:00
run 'aftersales log "孩子吃完呕吐" --channel hotline --customer 周先生 --phone 13600000002 --org 实验小学 --category illness --ill'
# README shows: ^Logged
# README shows: ^warning

# Finding a caller by the digits of a phone, however it was typed.
export AFTERSALES_NOW=2026-11-23T12:02
run 'aftersales list --all --text 13900000070'
run 'aftersales list --all --text "0000 0071"'
# One character cannot use the text index: it reads every complaint, and says so.
run 'aftersales list --all --text 发'
# README shows: ^text:

# The first case is worked.
export AFTERSALES_NOW=2026-11-23T12:05
run 'aftersales assign 1 --to 质控李工'
# README shows: ^Assigned
# README shows: ^  assignee\b
export AFTERSALES_NOW=2026-11-23T13:10
run 'aftersales done 1 plan --note "已告知家长：留样封存送检，今日先退款"'
# README shows: ^Recorded
# README shows: ^plan\b
export AFTERSALES_NOW=2026-11-23T13:20
run 'aftersales done 1 sample --note "留样已封存，送第三方检测"'
# README shows: ^Recorded
# README shows: ^sample\b
export AFTERSALES_NOW=2026-11-23T15:30
run 'aftersales extend 1 --milestone investigation --until "2026-11-24 12:00" --reason "等待第三方检测报告"'
# README shows: ^Extended
# README shows: ^Resolution moved
# README shows: ^(investigation|resolution)\b
export AFTERSALES_NOW=2026-11-24T10:30
run 'aftersales done 1 lab_report --note "第三方报告：储存温度超标"'
# README shows: ^Recorded
# README shows: ^lab_report\b
export AFTERSALES_NOW=2026-11-24T10:40
run 'aftersales close 1 --remedy refund --amount 36 --cause storage_transport --finding spoiled --supply-value 1800 --price 18 --note "检测确认储存温度超标；已退款并上门致歉"'
# README shows: ^Closed
# README shows: ^  (remedy|cause|finding|penalty|statutory)\b
# README shows: ^revisit\b
# README shows: ^(Ledger|entry\b| +[0-9]+ )
# README cuts at: 100
export AFTERSALES_NOW=2026-11-24T11:00
run 'aftersales note 1 "已电话告知家长检测结果，上门致歉" --kind 电话'
# README shows: ^Noted
# README shows: ^That is
# README shows: ^confirm\b
export AFTERSALES_NOW=2026-11-25T16:00
run 'aftersales revisit 1 --satisfaction 4 --method phone --note "基本满意"'
# README shows: ^Revisited
# README shows: ^  satisfaction\b
# README shows: ^revisit\b
run 'aftersales show 1'
# README shows: ^History
# README shows: ^when\b
# README shows: ^20[0-9][0-9]-
# README cuts at: 100

# What still needs doing, and what is late, that afternoon.
export AFTERSALES_NOW=2026-11-25T16:05
run 'aftersales list'
run 'aftersales overdue --within 1h; echo "exit status $?"'
# README shows: ^id\b
# README shows: ^4\b
# README shows: ^exit status
run 'aftersales overdue --json; echo "exit status $?"'
# README shows: ^(\[|\])$
# README shows: "id": 4, .*"milestone": "plan"
# README shows: ^exit status
