#include "stored_packets.h"

#include <aws/mqtt/v5/mqtt5_client.h>
#include <aws/mqtt/v5/mqtt5_packet_storage.h>

#include "addon.h"
#include "packets.h"

namespace mqtt5crt {
namespace {

// An owned copy of a packet view, held in the CRT's own storage struct for that packet type.
template <class Storage, class View, int (*Init)(Storage *, aws_allocator *, const View *), void (*CleanUp)(Storage *),
          const Table &kTable>
struct Stored final : OwnedPacket {
    explicit Stored(const View *view) { ok = Init(&storage, Crt::Get().allocator, view) == AWS_OP_SUCCESS; }
    ~Stored() override {
        if (ok) CleanUp(&storage);
    }
    Napi::Object ToJs(Napi::Env env, KeyCache &keys) const override {
        return ok ? ViewToJs(env, keys, kTable, &storage.storage_view) : Napi::Object::New(env);
    }
    Storage storage;
    bool ok;
};

using StoredPublish = Stored<aws_mqtt5_packet_publish_storage, aws_mqtt5_packet_publish_view,
                             aws_mqtt5_packet_publish_storage_init, aws_mqtt5_packet_publish_storage_clean_up, tables::kPublish>;
using StoredPuback = Stored<aws_mqtt5_packet_puback_storage, aws_mqtt5_packet_puback_view, aws_mqtt5_packet_puback_storage_init,
                            aws_mqtt5_packet_puback_storage_clean_up, tables::kPuback>;
using StoredSuback = Stored<aws_mqtt5_packet_suback_storage, aws_mqtt5_packet_suback_view, aws_mqtt5_packet_suback_storage_init,
                            aws_mqtt5_packet_suback_storage_clean_up, tables::kSuback>;
using StoredUnsuback =
    Stored<aws_mqtt5_packet_unsuback_storage, aws_mqtt5_packet_unsuback_view, aws_mqtt5_packet_unsuback_storage_init,
           aws_mqtt5_packet_unsuback_storage_clean_up, tables::kUnsuback>;
using StoredConnack = Stored<aws_mqtt5_packet_connack_storage, aws_mqtt5_packet_connack_view,
                             aws_mqtt5_packet_connack_storage_init, aws_mqtt5_packet_connack_storage_clean_up, tables::kConnack>;
using StoredDisconnect =
    Stored<aws_mqtt5_packet_disconnect_storage, aws_mqtt5_packet_disconnect_view, aws_mqtt5_packet_disconnect_storage_init,
           aws_mqtt5_packet_disconnect_storage_clean_up, tables::kDisconnect>;

struct StoredSettings final : OwnedPacket {
    explicit StoredSettings(const aws_mqtt5_negotiated_settings *src) {
        aws_byte_cursor empty{0, nullptr};
        ok = aws_mqtt5_negotiated_settings_init(Crt::Get().allocator, &settings, &empty) == AWS_OP_SUCCESS &&
             aws_mqtt5_negotiated_settings_copy(src, &settings) == AWS_OP_SUCCESS;
    }
    ~StoredSettings() override { aws_mqtt5_negotiated_settings_clean_up(&settings); }
    Napi::Object ToJs(Napi::Env env, KeyCache &keys) const override {
        return ok ? ViewToJs(env, keys, tables::kSettings, &settings) : Napi::Object::New(env);
    }
    aws_mqtt5_negotiated_settings settings{};
    bool ok;
};

}  // namespace

std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_publish_view *v) { return std::make_unique<StoredPublish>(v); }
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_puback_view *v) { return std::make_unique<StoredPuback>(v); }
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_suback_view *v) { return std::make_unique<StoredSuback>(v); }
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_unsuback_view *v) { return std::make_unique<StoredUnsuback>(v); }
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_connack_view *v) { return std::make_unique<StoredConnack>(v); }
std::unique_ptr<OwnedPacket> CopyPacket(const aws_mqtt5_packet_disconnect_view *v) {
    return std::make_unique<StoredDisconnect>(v);
}
std::unique_ptr<OwnedPacket> CopySettings(const aws_mqtt5_negotiated_settings *s) { return std::make_unique<StoredSettings>(s); }

}  // namespace mqtt5crt
